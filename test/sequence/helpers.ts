import { existsSync, readFileSync } from 'node:fs';
import type { Observable } from 'rxjs';
import type { RecordBatch } from '../../src/fasta/recordBatch.js';
import type { Credit, Leased } from '../../src/flow/credit.js';
import { creditedSource } from '../../src/flow/creditedSource.js';
import { batchUnits } from '../../src/flow/units.js';
import { prng } from '../../bench/support/syntheticFasta.js';
import { sharedPath } from '../support/shared.js';

export interface TextRecord {
  readonly id: string;
  readonly seq: string;
}

/** A few-line FASTA reader for reference inputs (spec section 1): id up to the first whitespace, lines joined. */
export function parseFastaText(text: string): TextRecord[] {
  const records: { id: string; seq: string }[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('>')) records.push({ id: line.slice(1).split(/\s/)[0] ?? '', seq: '' });
    else if (records.length > 0) records[records.length - 1]!.seq += line.replace(/[ \r]/g, '');
  }
  return records;
}

/** Reads a file of ../shared/reference (tests using it run under describeShared). */
export function referenceText(...parts: string[]): string {
  return readFileSync(sharedPath('reference', ...parts), 'latin1');
}

/** Builds a RecordBatch the way the reader does: one freshly allocated buffer, offsets, ids. */
export function recordBatchOf(records: readonly TextRecord[], source = 'test.fa'): RecordBatch {
  const starts = new Uint32Array(records.length + 1);
  for (let i = 0; i < records.length; i++) starts[i + 1] = starts[i]! + records[i]!.seq.length;
  const bases = new Uint8Array(starts[records.length]!);
  records.forEach((record, i) => bases.set(Buffer.from(record.seq, 'latin1'), starts[i]));
  const headerLines = Uint32Array.from(records, (_, i) => 2 * i + 1);
  return { bases, starts, ids: records.map((record) => record.id), headerLines, count: records.length, source };
}

/** Letter mixes for random reads: plain DNA keeps few frames, G/C-rich DNA keeps many, the rest exercise the quirks. */
const PROFILES = ['ACGT', 'GGGGCCCCGCGCAT', 'ggccGGCCacgtGCGCNgc', 'ACGTacgtNRYKMSWBDHVN-U', 'GCGCGCGCGCGCggccNnRy-Uu'] as const;

/** Deterministic random reads of 1..maxLength bases, drawn from a per-read letter profile. */
export function randomRecords(seed: number, count: number, maxLength: number): TextRecord[] {
  const random = prng(seed);
  const records: TextRecord[] = [];
  for (let i = 0; i < count; i++) {
    const profile = PROFILES[Math.floor(random() * PROFILES.length)]!;
    // Favour short reads (edge cases live there) while still reaching maxLength.
    const length = 1 + Math.floor(random() ** 2 * maxLength);
    let seq = '';
    for (let b = 0; b < length; b++) seq += profile[Math.floor(random() * profile.length)];
    records.push({ id: `r${seed}_${i}`, seq });
  }
  return records;
}

/** A credited source of record batches, as readFasta builds it; `opened` counts how often it was opened. */
export function creditedRecordSource(
  batches: readonly RecordBatch[],
  credit: Credit,
): { source: Observable<RecordBatch & Leased>; opened: () => number } {
  let opened = 0;
  async function* open(): AsyncGenerator<RecordBatch> {
    opened += 1;
    yield* batches;
  }
  const source = creditedSource(open, {
    credit,
    weight: (batch: RecordBatch) => batchUnits(batch.bases.length, batch.count),
    attach: (batch, lease): RecordBatch & Leased => ({ ...batch, lease }),
  });
  return { source, opened: () => opened };
}

/** OS threads of this process (Linux): worker threads show up here, so pools that start or stop can be seen. */
export function osThreads(): number | undefined {
  if (!existsSync('/proc/self/status')) return undefined;
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'latin1'))?.[1]);
}

/** Resolves once `condition` holds, polling; rejects after `timeoutMs`. For effects that complete on another thread. */
export async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
