import { endianness } from 'node:os';
import { VirnucproError } from '../errors.js';

/**
 * The batches an inference pool takes and returns. Each request batch is ONE ArrayBuffer that we allocate
 * ourselves (never a slice of Node's Buffer pool) and that moves to the worker in the transfer list: after
 * `pool.run(batch)` the caller's views are detached (byteLength 0).
 */

/** Right-padded token rows for an encoder: `inputIds` then `attentionMask`, both int64 [rows, length], in one buffer. */
export interface TokenBatch {
  readonly kind: 'tokens';
  readonly rows: number;
  /** Padded length: tokens per row, specials included. */
  readonly length: number;
  readonly buffer: ArrayBuffer;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
}

/** Classifier input: float32 [rows, width] feature rows. */
export interface FeatureBatch {
  readonly kind: 'features';
  readonly rows: number;
  readonly width: number;
  readonly buffer: ArrayBuffer;
  readonly values: Float32Array;
}

export type ModelBatch = TokenBatch | FeatureBatch;

/** A pool's answer: float32 [rows, columns], row-major, on its own (transferred) buffer. */
export interface Matrix {
  readonly rows: number;
  readonly columns: number;
  readonly data: Float32Array;
}

const INT64_BYTES = 8;
const FLOAT32_BYTES = 4;

/**
 * int64 values are written as two int32 words (low word first), which avoids creating a BigInt per token.
 * Every platform onnxruntime-node ships for is little-endian; refuse to run silently wrong elsewhere.
 */
const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * Packs token rows (ids from a tokenizer, specials included) into one batch, right-padded with `padId` and
 * mask 0 (DNABERT-S `[PAD]` = 3, ESM-2 `<pad>` = 1) to `length` (the packer's padded width), by default the
 * longest row.
 *
 * @example
 * const batch = padTokenRows([[1, 523, 2], [1, 2]], 3);
 * const pooled = await dnaPool.run(batch); // [2, 768]
 */
export function padTokenRows(rows: readonly ArrayLike<number>[], padId: number, length?: number): TokenBatch {
  if (!LITTLE_ENDIAN) throw new VirnucproError('INTERNAL', 'token batches assume a little-endian CPU');
  if (rows.length === 0) throw new VirnucproError('INTERNAL', 'a token batch needs at least one row');
  let longest = 0;
  for (const row of rows) longest = Math.max(longest, row.length);
  if (longest === 0) throw new VirnucproError('INTERNAL', 'a token batch needs at least one token per row');
  length ??= longest;
  if (!Number.isSafeInteger(length) || length < longest) {
    throw new VirnucproError('INTERNAL', `a token batch cannot be padded to ${length} tokens: its longest row has ${longest}`);
  }
  const cells = rows.length * length;
  const buffer = new ArrayBuffer(2 * cells * INT64_BYTES);
  const ids = new Int32Array(buffer, 0, 2 * cells);
  const mask = new Int32Array(buffer, cells * INT64_BYTES, 2 * cells);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const base = 2 * r * length;
    for (let t = 0; t < length; t++) {
      const real = t < row.length;
      const id = real ? row[t]! : padId;
      if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
        throw new VirnucproError('INTERNAL', `token id ${id} at row ${r}, position ${t} is not an int32 >= 0`);
      }
      ids[base + 2 * t] = id; // high word stays 0
      mask[base + 2 * t] = real ? 1 : 0;
    }
  }
  return {
    kind: 'tokens',
    rows: rows.length,
    length,
    buffer,
    inputIds: new BigInt64Array(buffer, 0, cells),
    attentionMask: new BigInt64Array(buffer, cells * INT64_BYTES, cells),
  };
}

/**
 * A zeroed classifier batch to fill: row r is `values.subarray(r * width, (r + 1) * width)`.
 *
 * @example
 * const batch = allocateFeatureBatch(frames, 3328);
 * batch.values.set(dnaRow, r * 3328); batch.values.set(proteinRow, r * 3328 + 768);
 */
export function allocateFeatureBatch(rows: number, width: number): FeatureBatch {
  if (!Number.isSafeInteger(rows) || rows < 1 || !Number.isSafeInteger(width) || width < 1) {
    throw new VirnucproError('INTERNAL', `a feature batch needs rows >= 1 and width >= 1 (got ${rows} × ${width})`);
  }
  const buffer = new ArrayBuffer(rows * width * FLOAT32_BYTES);
  return { kind: 'features', rows, width, buffer, values: new Float32Array(buffer) };
}

/** Bytes a batch's buffer must have; a smaller one was already sent (detached) or built by hand wrongly. */
export function batchBytes(batch: ModelBatch): number {
  return batch.kind === 'tokens' ? 2 * batch.rows * batch.length * INT64_BYTES : batch.rows * batch.width * FLOAT32_BYTES;
}

/** Columns of a batch: padded length for tokens, width for features. */
export function batchColumns(batch: ModelBatch): number {
  return batch.kind === 'tokens' ? batch.length : batch.width;
}
