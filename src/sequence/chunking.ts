/**
 * The original VirNucPro chunker (`split_fasta_chunk`), boundaries only. Spec section 2; pinned by
 * ../shared/reference/generated_from_original/chunk_boundaries_300_500.tsv.
 *
 * A read of L bases is cut into n = ceil(L / c) windows of c bases whose overlap is spread over n steps
 * instead of n − 1 gaps (a bug kept on purpose: the published models were trained on it), so the last
 * window is often shorter than c. L ≤ c gives one window, the whole read, without padding.
 */

/** Number of chunks a read of `length` bases gives: ceil(length / chunkLength). */
export function chunkCount(length: number, chunkLength: number): number {
  return Math.ceil(length / chunkLength);
}

/**
 * Writes the chunk boundaries of one read into `starts`/`ends` from index `at`, as offsets from `offset`
 * (the read's first base in a shared buffer). Returns the index after the last chunk written. This is the
 * form the batch chunker uses: no allocation per read.
 *
 * @param length read length in bases (≥ 1)
 * @param chunkLength window length in bases (≥ 1)
 */
export function fillChunkBoundaries(
  length: number,
  chunkLength: number,
  offset: number,
  starts: Uint32Array,
  ends: Uint32Array,
  at: number,
): number {
  const n = chunkCount(length, chunkLength);
  const rest = n * chunkLength - length;
  const lo = Math.floor(rest / n);
  // `need` steps of lo + 1, then lo, then 0; the walk has n positions, so a step list longer than n
  // (need > n − 1) is cut short exactly as Python's zip() does.
  const need = rest - lo * (n - 1);
  let move = 0;
  for (let k = 0; k < n; k++) {
    const start = k * chunkLength - move;
    starts[at + k] = offset + start;
    ends[at + k] = offset + Math.min(start + chunkLength, length);
    move += k < need ? lo + 1 : k < n - 1 ? lo : 0;
  }
  return at + n;
}

/** Chunk boundaries of one read, 0-based, end exclusive. */
export interface ChunkBoundaries {
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
}

/**
 * Where the original chunker cuts a read of `length` bases into windows of `chunkLength`.
 *
 * @example
 * chunkBoundaries(1234, 500); // starts [0, 411, 822], ends [500, 911, 1234]
 * @param length read length in bases (≥ 1)
 * @param chunkLength window length in bases (≥ 1; the classifiers use 300 or 500)
 */
export function chunkBoundaries(length: number, chunkLength: number): ChunkBoundaries {
  if (!Number.isSafeInteger(length) || length < 1) throw new TypeError(`length must be a positive integer (got ${length})`);
  if (!Number.isSafeInteger(chunkLength) || chunkLength < 1) {
    throw new TypeError(`chunkLength must be a positive integer (got ${chunkLength})`);
  }
  const n = chunkCount(length, chunkLength);
  const starts = new Uint32Array(n);
  const ends = new Uint32Array(n);
  fillChunkBoundaries(length, chunkLength, 0, starts, ends, 0);
  return { starts, ends };
}
