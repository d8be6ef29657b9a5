import { HEADER_HASH_SEED, hashHeaderLine, isSyncRecord } from './syncPoint.js';

/**
 * Shards of a plain FASTA file, for running one input as N independent jobs (`virnucpro predict --shard K/N`).
 * Shard K covers the byte range [(K-1)·S/N, K·S/N) of the file (S its size): it starts at the first sync
 * record (src/fasta/syncPoint.ts) whose header starts in or after its range, and ends before the first one
 * that starts at or after the range end. Each shard is read without touching the rest of the file: seek to
 * the range start, read up to that next sync record. So the shards are contiguous runs of records in input
 * order, every record is in exactly one of them, a shard may be empty (no sync record starts in its range),
 * and a shard is cut into the same input batches as a run over the whole file makes of its records (the
 * reader cuts a batch before every sync record): the scores, whose float32 noise depends on what a model batch
 * holds, are byte for byte those of the whole run. Shard 1 also holds whatever precedes the first header, so
 * the reader's checks of a file's start (byte-order mark, text before the first header) apply.
 *
 * Sync records come about once per 1 MiB (a record longer than that always is one), so a shard boundary
 * moves past its byte position by about that much: the shards of a file smaller than a few MiB are mostly
 * empty, all its records in the first.
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
const NO_BYTES = new Uint8Array(0);

/** A record whose header starts at or after the threshold, being judged: sync record or not. */
interface Candidate {
  /** File offset of its '>'. */
  readonly start: number;
  /** Hash of its header line so far. */
  hash: number;
  lineEnded: boolean;
}

/**
 * Cuts a shard out of the file's bytes, fed in order from file offset {@link shardReadOffset} (the byte
 * before the range only tells whether a '>' at the range start begins a line). Looks at each record whose
 * header starts at or after the range start: the first sync record starts the shard (bytes before it are
 * dropped; {@link firstByte}); then at each record from the range end on: the first sync record ends it
 * ({@link done}). A record being judged is held back until the next header (or the end of the file) gives
 * its length.
 */
export class ShardCutter {
  readonly #range: ByteRange;
  readonly #syncBytes: number;
  /** File offset of the next byte fed. */
  #offset: number;
  /** The byte before the next one fed ('\n' at the start of the file: a line starts there). */
  #previous = LF;
  #mode: 'seek' | 'emit' | 'done';
  #firstByte: number | undefined;
  #candidate: Candidate | undefined;
  /** The candidate's bytes from earlier chunks. */
  #held: Uint8Array[] = [];

  constructor(range: ByteRange, syncBytes: number) {
    this.#range = range;
    this.#syncBytes = syncBytes;
    this.#offset = shardReadOffset(range);
    if (range.end === range.start) this.#mode = 'done';
    else if (range.start === 0) {
      // The first shard starts at the file's first byte, whatever precedes the first header.
      this.#mode = 'emit';
      this.#firstByte = 0;
    } else this.#mode = 'seek';
  }

  /** File offset where the shard starts (undefined until found, or when it is empty). */
  get firstByte(): number | undefined {
    return this.#firstByte;
  }

  /** True once the shard's last byte has been returned. */
  get done(): boolean {
    return this.#mode === 'done';
  }

  /** The shard's bytes in `chunk`, the next bytes of the file (views; bytes held from earlier chunks included). */
  cut(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.#mode === 'done') return out;
    const base = this.#offset;
    const previous = this.#previous;
    this.#offset += chunk.length;
    if (chunk.length > 0) this.#previous = chunk[chunk.length - 1]!;
    /** Bytes [from, …) of the chunk are not yet handed out, dropped or held. */
    let from = 0;
    let at = 0;
    for (;;) {
      const candidate = this.#candidate;
      if (candidate !== undefined && !candidate.lineEnded) {
        const newline = chunk.indexOf(LF, at);
        candidate.hash = hashHeaderLine(candidate.hash, chunk, at, newline < 0 ? chunk.length : newline);
        if (newline < 0) break;
        candidate.lineEnded = true;
        at = newline + 1;
      }
      const threshold = this.#mode === 'seek' ? this.#range.start : this.#range.end;
      const header = headerAt(chunk, candidate !== undefined ? at : Math.max(at, threshold - base), previous);
      if (header < 0) break;
      if (candidate !== undefined) {
        if (this.#judge(candidate, base + header, out, chunk.subarray(from, header))) return out;
      } else if (this.#mode === 'emit') {
        out.push(chunk.subarray(from, header));
      }
      from = header;
      at = header + 1;
      // Just after the shard's first record, a header before the range end is one of the shard's records.
      if (this.#mode === 'seek' || base + header >= this.#range.end) {
        this.#candidate = { start: base + header, hash: HEADER_HASH_SEED, lineEnded: false };
      }
    }
    const rest = chunk.subarray(from);
    if (this.#candidate !== undefined) this.#held.push(rest);
    else if (this.#mode === 'emit') out.push(rest);
    return out;
  }

  /** The file ended: judges the record held back; returns the shard's last bytes. */
  end(): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.#candidate !== undefined) this.#judge(this.#candidate, this.#offset, out, NO_BYTES);
    this.#mode = 'done';
    return out;
  }

  /**
   * The candidate ends before file offset `end`, its last bytes in this chunk being `tail`: a sync record starts
   * the shard (seek) or ends it (emit); another record is dropped (seek) or handed out (emit). True when the
   * shard has ended.
   */
  #judge(candidate: Candidate, end: number, out: Uint8Array[], tail: Uint8Array): boolean {
    const bytes = [...this.#held, tail];
    this.#held = [];
    this.#candidate = undefined;
    const sync = isSyncRecord(candidate.hash, end - candidate.start, this.#syncBytes);
    if (this.#mode === 'seek') {
      if (!sync) return false;
      if (candidate.start >= this.#range.end) {
        this.#mode = 'done';
        return true;
      }
      this.#firstByte = candidate.start;
      this.#mode = 'emit';
      out.push(...bytes);
      return false;
    }
    if (sync) {
      this.#mode = 'done';
      return true;
    }
    out.push(...bytes);
    return false;
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
