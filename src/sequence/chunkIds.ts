import { VirnucproError } from '../errors.js';
import type { ChunkNames } from './chunkBatch.js';

const CHUNK_INFIX = Buffer.from('_chunk_', 'latin1');
const NEWLINE = 0x0a;

/**
 * Writes chunk ids (`<recordId>_chunk_<k>`) as bytes, for the formatters. The record ids of the chunks in
 * use are UTF-8 encoded together in one native call (ids hold no whitespace, so a newline separates them);
 * ids are then copied byte by byte, never re-encoded per chunk or frame.
 */
export class ChunkIdWriter {
  readonly #names: ChunkNames;
  readonly #firstRecord: number;
  readonly #idBytes: Buffer;
  /** Record r's id is `#idBytes[#idStarts[r − first], #idStarts[r − first + 1] − 1)` (the − 1 drops the separator). */
  readonly #idStarts: Uint32Array;

  /** @param firstChunk,lastChunk the range of chunks (inclusive) whose ids will be written */
  constructor(names: ChunkNames, firstChunk: number, lastChunk: number) {
    this.#names = names;
    this.#firstRecord = names.recordIndex[firstChunk] ?? 0;
    const lastRecord = names.recordIndex[lastChunk] ?? -1;
    const records = Math.max(0, lastRecord - this.#firstRecord + 1);
    const joined = records === 0 ? '' : names.ids.slice(this.#firstRecord, this.#firstRecord + records).join('\n') + '\n';
    this.#idBytes = Buffer.from(joined, 'utf8');
    this.#idStarts = new Uint32Array(records + 1);
    let r = 0;
    for (let i = 0; i < this.#idBytes.length; i++) if (this.#idBytes[i] === NEWLINE) this.#idStarts[++r] = i + 1;
    if (r !== records) {
      throw new VirnucproError('INTERNAL', `record ids of ${names.source} contain line breaks`, {
        hint: 'ids end at the first whitespace of a header: build RecordBatch ids that way',
      });
    }
  }

  /** Bytes of chunk `chunk`'s id. */
  length(chunk: number): number {
    const r = this.#names.recordIndex[chunk]! - this.#firstRecord;
    return this.#idStarts[r + 1]! - 1 - this.#idStarts[r]! + CHUNK_INFIX.length + decimalDigits(this.#names.chunkNumber[chunk]!);
  }

  /** Writes chunk `chunk`'s id at `at`; returns the offset after it. */
  write(out: Uint8Array, at: number, chunk: number): number {
    const r = this.#names.recordIndex[chunk]! - this.#firstRecord;
    const ids = this.#idBytes;
    for (let i = this.#idStarts[r]!, end = this.#idStarts[r + 1]! - 1; i < end; i++) out[at++] = ids[i]!;
    for (let i = 0; i < CHUNK_INFIX.length; i++) out[at++] = CHUNK_INFIX[i]!;
    return writeDecimal(out, at, this.#names.chunkNumber[chunk]!);
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
