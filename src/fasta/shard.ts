/**
 * Shards of a plain FASTA file, for running one input as N independent jobs (`virnucpro predict --shard K/N`):
 * shard K holds the records whose header line starts in the byte range [(K-1)·S/N, K·S/N) of the file (S its
 * size). Each shard is read without touching the rest of the file: seek to the range start, skip to the first
 * header at a line start, read up to the first header that starts at or after the range end. So the shards
 * are contiguous runs of records in input order, every record is in exactly one of them, and a shard may be
 * empty (a record longer than S/N spans the ranges after its header). Shard 1 also holds whatever precedes the
 * first header, so the reader's checks of a file's start (byte-order mark, text before the first header) apply.
 */

/** Shard `index` of `count` (1 ≤ index ≤ count). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** A byte range [start, end) of a file. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Parses `K/N` or Snakemake's scatter form `K-of-N`; undefined unless 1 ≤ K ≤ N are integers. */
export function parseShard(text: string): Shard | undefined {
  const match = /^(\d+)(?:\/|-of-)(\d+)$/.exec(text);
  if (!match) return undefined;
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (!Number.isSafeInteger(count) || index < 1 || index > count) return undefined;
  return { index, count };
}

/** `K/N`. */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** The byte range whose header starts make up `shard` of a file of `size` bytes: floor((K-1)·S/N), floor(K·S/N) (exact). */
export function shardByteRange(size: number, shard: Shard): ByteRange {
  const at = (k: number): number => Number((BigInt(k) * BigInt(size)) / BigInt(shard.count));
  return { start: at(shard.index - 1), end: at(shard.index) };
}

/**
 * The input name of a shard in messages. Line numbers count from the shard's first byte, the file's line
 * numbers are not known without reading everything before it: the name says from which byte.
 */
export function shardSourceName(path: string, shard: Shard, firstByte: number): string {
  return firstByte === 0 ? path : `${path} [shard ${formatShard(shard)}: lines counted from byte ${firstByte}]`;
}

const LF = 0x0a;
const GT = 0x3e;

/**
 * Cuts a shard out of the file's bytes, fed in order from file offset `range.start - 1` (or 0): the byte before
 * the range only tells whether a '>' at the range start begins a line. Knows where the shard starts once it
 * has seen its first header ({@link firstByte}), and is {@link done} at the first header at or after
 * `range.end` (or when the shard turned out empty).
 */
export class ShardCutter {
  readonly #range: ByteRange;
  /** File offset of the next byte fed. */
  #offset: number;
  /** The byte before the next one fed ('\n' at the start of the file: a line starts there). */
  #previous = LF;
  #firstByte: number | undefined;
  #done = false;

  constructor(range: ByteRange) {
    this.#range = range;
    this.#offset = shardReadOffset(range);
    // Shard 1 starts at the file's first byte, whatever precedes the first header.
    if (range.start === 0) this.#firstByte = range.end > 0 ? 0 : undefined;
    if (range.end === 0) this.#done = true;
  }

  /** File offset where the shard starts (undefined until found, or when it is empty). */
  get firstByte(): number | undefined {
    return this.#firstByte;
  }

  /** True once the shard's last byte has been returned. */
  get done(): boolean {
    return this.#done;
  }

  /** The shard's bytes in `chunk` (the next bytes of the file; a view, possibly empty). */
  cut(chunk: Uint8Array): Uint8Array {
    if (this.#done) return chunk.subarray(0, 0);
    const base = this.#offset;
    const previous = this.#previous;
    this.#offset += chunk.length;
    if (chunk.length > 0) this.#previous = chunk[chunk.length - 1]!;
    let from = 0;
    if (this.#firstByte === undefined) {
      const first = headerAt(chunk, Math.max(0, this.#range.start - base), previous);
      if (first < 0) return chunk.subarray(0, 0);
      this.#firstByte = base + first;
      if (base + first >= this.#range.end) {
        this.#firstByte = undefined;
        this.#done = true;
        return chunk.subarray(0, 0);
      }
      from = first;
    }
    const stop = headerAt(chunk, Math.max(from, this.#range.end - base), previous);
    if (stop < 0) return chunk.subarray(from);
    this.#done = true;
    return chunk.subarray(from, stop);
  }

  /** The input ended: the shard ends with it. */
  end(): void {
    this.#done = true;
  }
}

/** Where reading the file starts for the shard of `range` (the byte before it: see {@link ShardCutter}). */
export function shardReadOffset(range: ByteRange): number {
  return Math.max(0, range.start - 1);
}

/** The first '>' at index ≥ `from` of `chunk` that starts a line (`previous`: the byte before chunk[0]), or -1. */
function headerAt(chunk: Uint8Array, from: number, previous: number): number {
  const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  for (let at = bytes.indexOf(GT, from); at >= 0; at = bytes.indexOf(GT, at + 1)) {
    if ((at === 0 ? previous : bytes[at - 1]) === LF) return at;
  }
  return -1;
}
