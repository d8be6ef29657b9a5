import type { ChunkNames } from './chunkBatch.js';

const CHUNK_INFIX = '_chunk_';

/**
 * Writes chunk ids (`<recordId>_chunk_<k>`) as bytes, for the formatters. The `<recordId>_chunk_` prefixes
 * of the records in use are encoded together in one native call; a chunk id is then one copy of its prefix
 * plus the digits of k, never a per-chunk encode. Ids are Latin-1 strings (the reader decodes header bytes
 * as Latin-1), so encoding them as Latin-1 writes back exactly the bytes of the input's header, UTF-8
 * included, and byte offsets equal string offsets.
 */
export class ChunkIdWriter {
  readonly #names: ChunkNames;
  readonly #firstRecord: number;
  readonly #prefixes: Buffer;
  /** Record r's prefix is `#prefixes[#starts[r − first], #starts[r − first + 1])`. */
  readonly #starts: Uint32Array;

  /** @param firstChunk,lastChunk the range of chunks (inclusive) whose ids will be written */
  constructor(names: ChunkNames, firstChunk: number, lastChunk: number) {
    this.#names = names;
    this.#firstRecord = names.recordIndex[firstChunk] ?? 0;
    const lastRecord = names.recordIndex[lastChunk] ?? -1;
    const records = Math.max(0, lastRecord - this.#firstRecord + 1);
    const ids = names.ids.slice(this.#firstRecord, this.#firstRecord + records);
    this.#prefixes = Buffer.from(ids.join(CHUNK_INFIX) + (records > 0 ? CHUNK_INFIX : ''), 'latin1');
    this.#starts = new Uint32Array(records + 1);
    for (let r = 0, at = 0; r < records; r++) this.#starts[r + 1] = at += ids[r]!.length + CHUNK_INFIX.length;
  }

  /** Bytes of chunk `chunk`'s id. */
  length(chunk: number): number {
    const r = this.#names.recordIndex[chunk]! - this.#firstRecord;
    return this.#starts[r + 1]! - this.#starts[r]! + decimalDigits(this.#names.chunkNumber[chunk]!);
  }

  /** Writes chunk `chunk`'s id at `at`; returns the offset after it. */
  write(out: Uint8Array, at: number, chunk: number): number {
    const r = this.#names.recordIndex[chunk]! - this.#firstRecord;
    const end = copyBytes(out, at, this.#prefixes, this.#starts[r]!, this.#starts[r + 1]!);
    return writeDecimal(out, end, this.#names.chunkNumber[chunk]!);
  }
}

function decimalDigits(value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  return digits;
}

function writeDecimal(out: Uint8Array, at: number, value: number): number {
  const end = at + decimalDigits(value);
  let p = end;
  let rest = value;
  do {
    out[--p] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  } while (rest > 0);
  return end;
}

/** Copies `source[from, to)` to `out` at `at`; returns the offset after it. A loop beats `set(subarray())` on short reads. */
export function copyBytes(out: Uint8Array, at: number, source: Uint8Array, from: number, to: number): number {
  if (to - from > SET_THRESHOLD) {
    out.set(source.subarray(from, to), at);
    return at + to - from;
  }
  for (let i = from; i < to; i++) out[at++] = source[i]!;
  return at;
}

/** Length above which copyBytes uses a native copy: measured crossover between 32 and 60 bytes (the view allocation dominates below). */
const SET_THRESHOLD = 48;
