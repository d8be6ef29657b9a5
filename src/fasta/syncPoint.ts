/**
 * Sync records: where input batches start whatever came before, so that a shard of a file (src/fasta/shard.ts)
 * is cut into exactly the batches a run over the whole file makes of the same records. That matters because
 * the models pack each input batch on its own: which frames share a model batch changes the float32 noise
 * of their scores, and merged shards must be byte-identical to one run.
 *
 * A record is a sync record by its own bytes only: its header line (without '\r') hashes to u in [0, 1), and
 * it is one when u · syncBytes < its raw length (header to next header, in bytes). So on average one sync
 * record per `syncBytes` of input whatever the read length (a record longer than syncBytes always is). The
 * reader cuts a batch before each sync record; its other cuts (size, record count) count from the batch start,
 * so from a sync record on, the batches only depend on the records from there. Shards start and end at sync
 * records.
 */

/** Average input bytes between two sync records: about one per default 1 MiB input batch. */
export const DEFAULT_SYNC_BYTES = 1 << 20;

/** FNV-1a offset basis: the hash of a header line before its first byte. */
export const HEADER_HASH_SEED = 0x811c9dc5;

const CR = 0x0d;

/** Folds `bytes[start, end)` of a header line (after its '>'; '\r' skipped) into `hash` (FNV-1a, 32 bits). */
export function hashHeaderLine(hash: number, bytes: Uint8Array, start: number, end: number): number {
  let h = hash;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b !== CR) h = Math.imul(h ^ b, 0x01000193);
  }
  return h >>> 0;
}

/** Whether a record with this header hash and raw length (bytes from its '>' to the next header or the end) is a sync record. */
export function isSyncRecord(headerHash: number, rawBytes: number, syncBytes: number): boolean {
  // murmur3's finaliser: FNV's low bits alone are poorly mixed.
  let h = headerHash;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  return (h / 4294967296) * syncBytes < rawBytes;
}

/** Checks a syncBytes option (integer ≥ 1), naming it in the TypeError. */
export function resolveSyncBytes(syncBytes: number | undefined, name = 'options.syncBytes'): number {
  const resolved = syncBytes ?? DEFAULT_SYNC_BYTES;
  if (!Number.isSafeInteger(resolved) || resolved < 1) throw new TypeError(`${name} must be an integer >= 1 (got ${String(resolved)})`);
  return resolved;
}
