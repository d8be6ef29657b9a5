import { prng } from '../../../bench/support/syntheticFasta.js';
import { DEFAULT_SYNC_BYTES, HEADER_HASH_SEED, hashHeaderLine, isSyncRecord } from '../../../src/fasta/syncPoint.js';

/** One FASTA record as text, and whether the reader starts an input batch at it. */
export interface SyncedRecord {
  readonly text: string;
  readonly sync: boolean;
}

/**
 * `count` reads of 100-1 500 bp (one in three G/C-rich, so with several kept frames), where the records at
 * `syncAt` are sync records (src/fasta/syncPoint.ts, default 1 MiB) and no other is: each header gets a
 * description ` k<n>`, n searched until the record is (or is not) one. So a small input can be cut at sync
 * records, as shards are, and `dupAt` records share the id 'dup' (the original merges their chunk rows).
 */
export function syncedReads(count: number, seed: number, syncAt: readonly number[], dupAt: readonly number[] = []): SyncedRecord[] {
  const random = prng(seed);
  const records: SyncedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const length = 100 + Math.floor(random() * 1400);
    const alphabet = i % 3 === 0 ? 'GGCCGCA' : 'ACGT';
    let sequence = '';
    for (let b = 0; b < length; b++) sequence += alphabet[Math.floor(random() * alphabet.length)];
    const lines = sequence.match(/.{1,60}/g)!.join('\n');
    const id = dupAt.includes(i) ? 'dup' : `s${i}`;
    const sync = syncAt.includes(i);
    for (let n = 0; ; n++) {
      const header = `${id} k${n}`;
      const text = `>${header}\n${lines}\n`;
      if (
        isSyncRecord(hashHeaderLine(HEADER_HASH_SEED, Buffer.from(header, 'latin1'), 0, header.length), text.length, DEFAULT_SYNC_BYTES) ===
        sync
      ) {
        records.push({ text, sync });
        break;
      }
    }
  }
  return records;
}

/** The records' text from `from` (inclusive) to `to` (exclusive). */
export function textOf(records: readonly SyncedRecord[], from = 0, to = records.length): string {
  return records
    .slice(from, to)
    .map((record) => record.text)
    .join('');
}
