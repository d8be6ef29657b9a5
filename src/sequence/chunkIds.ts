import { idBytes, type IdBytes } from '../fasta/recordIds.js';
import type { ChunkNames } from './chunkBatch.js';

const CHUNK_INFIX = Buffer.from('_chunk_', 'latin1');

/**
 * Writes chunk ids (`<recordId>_chunk_<k>`) as bytes, for the formatters: one copy of the record id, the infix
 * and the digits of k, from ids already in byte form (no string is made per chunk).
 */
export class ChunkIdWriter {
  readonly #ids: IdBytes;
  readonly #firstRecord: number;
  readonly #recordIndex: Uint32Array;
  readonly #chunkNumber: Uint32Array;

  /**
   * @param ids the ids of records `firstRecord`, `firstRecord + 1`, … (at least up to the last record the
   *   chunks written belong to): id `firstRecord + r` is `ids.bytes[ids.starts[r], ids.starts[r + 1])`
   * @param recordIndex,chunkNumber the chunk naming columns of {@link ChunkNames}
   */
  constructor(ids: IdBytes, firstRecord: number, recordIndex: Uint32Array, chunkNumber: Uint32Array) {
    this.#ids = ids;
    this.#firstRecord = firstRecord;
    this.#recordIndex = recordIndex;
    this.#chunkNumber = chunkNumber;
  }

  /** A writer for chunks `[firstChunk, lastChunk]` of `names`, with the bytes of the ids those chunks use. */
  static forChunks(names: ChunkNames, firstChunk: number, lastChunk: number): ChunkIdWriter {
    const firstRecord = names.recordIndex[firstChunk] ?? 0;
    const endRecord = lastChunk >= firstChunk ? names.recordIndex[lastChunk]! + 1 : firstRecord;
    return new ChunkIdWriter(idBytes(names.ids, firstRecord, endRecord), firstRecord, names.recordIndex, names.chunkNumber);
  }

  /** Bytes of chunk `chunk`'s id. */
  length(chunk: number): number {
    const r = this.#recordIndex[chunk]! - this.#firstRecord;
    const starts = this.#ids.starts;
    return starts[r + 1]! - starts[r]! + CHUNK_INFIX.length + decimalDigits(this.#chunkNumber[chunk]!);
  }

  /** Writes chunk `chunk`'s id at `at`; returns the offset after it. */
  write(out: Uint8Array, at: number, chunk: number): number {
    const r = this.#recordIndex[chunk]! - this.#firstRecord;
    const { bytes, starts } = this.#ids;
    let end = copyBytes(out, at, bytes, starts[r]!, starts[r + 1]!);
    end = copyBytes(out, end, CHUNK_INFIX, 0, CHUNK_INFIX.length);
    return writeDecimal(out, end, this.#chunkNumber[chunk]!);
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
