import { VirnucproError } from '../errors.js';
import type { Pooling } from './modelSpec.js';

/**
 * Pools an encoder's hidden states [rows, length, width] into one float32 row each (semantics §5-6), inside
 * the worker, so that only [rows, width] crosses back to the main thread.
 *
 * Precision: sums accumulate in float64 and round to float32 once. Measured against PyTorch's float32
 * `mean(dim=0)` on one sequence (what the original runs), random N(0.5, 2²) states: float64 accumulation
 * differs by at most 1.2e-7 … 1.8e-7 (one float32 ulp: torch's own rounding) at 60 × 768, 170 × 2560 and
 * 1026 × 2560; sequential float32 accumulation differs by 4e-7 at 60 tokens and 1.1e-6 at 1026. Both are
 * inside the 1e-5 target; float64 costs nothing extra in JS (numbers are doubles) and is the closest.
 * End to end on the real-architecture fixtures (test/model/referenceEmbeddings.test.ts: padded batches of
 * mixed lengths through the pool vs PyTorch one sequence at a time) the largest difference is 4.8e-7 (DNA)
 * and 7.5e-7 (protein) with this pooling, 7.2e-7 and 1.2e-6 with the exporter's in-graph pooled outputs.
 */

/** ESM-2 rows pool at most this many residues (the original truncates the mean, not the model's input). */
export const ESM_MAX_POOLED_RESIDUES = 1024;
/** `<cls>` before and `<eos>` after the residues of an ESM-2 row. */
const ESM_SPECIAL_TOKENS = 2;

/**
 * Real tokens per row from an int64 attention mask [rows, length], checking that every row is a run of 1s
 * followed by 0s (right padding) with at least one 1.
 */
export function realLengths(mask: BigInt64Array, rows: number, length: number): Int32Array {
  // Read as int32 word pairs (little-endian, low word first): no BigInt per cell.
  const words = new Int32Array(mask.buffer, mask.byteOffset, 2 * rows * length);
  const lengths = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = 2 * r * length;
    let real = 0;
    while (real < length && words[base + 2 * real] === 1 && words[base + 2 * real + 1] === 0) real++;
    for (let t = real; t < length; t++) {
      if (words[base + 2 * t] !== 0 || words[base + 2 * t + 1] !== 0) {
        throw new VirnucproError(
          'INTERNAL',
          `attention mask row ${r}: position ${t} is ${mask[r * length + t]} after the ` +
            `real tokens end at ${real}; rows must be right-padded with mask 1 then 0`,
        );
      }
    }
    if (real === 0) throw new VirnucproError('INTERNAL', `attention mask row ${r} has no real token`);
    lengths[r] = real;
  }
  return lengths;
}

/** Positions [start, end) that `pooling` averages over in a row of `real` tokens. */
export function poolingSpan(pooling: Pooling, real: number, row: number): readonly [number, number] {
  if (pooling === 'mean') return [0, real];
  const residues = real - ESM_SPECIAL_TOKENS;
  if (residues < 1) {
    throw new VirnucproError('INTERNAL', `row ${row} has ${real} tokens: no residue between <cls> and <eos> to pool`);
  }
  return [1, 1 + Math.min(ESM_MAX_POOLED_RESIDUES, residues)];
}

/** Pools hidden states [rows, length, width] into a fresh float32 [rows, width] buffer. */
export function poolHiddenStates(
  hidden: Float32Array,
  shape: { readonly rows: number; readonly length: number; readonly width: number },
  lengths: Int32Array,
  pooling: Pooling,
): Float32Array {
  const { rows, length, width } = shape;
  const pooled = new Float32Array(rows * width);
  const sum = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    const [start, end] = poolingSpan(pooling, lengths[r]!, r);
    sum.fill(0);
    let t = start;
    // Four positions per pass over the accumulator: half the time of one position per pass (the loop becomes
    // bound by reading `hidden`, not by the accumulator's loads and stores). The pairs are added in float64,
    // so the result still carries float64 accuracy before its one rounding to float32.
    for (; t + 4 <= end; t += 4) {
      const at = (r * length + t) * width;
      for (let k = 0; k < width; k++) {
        sum[k]! += hidden[at + k]! + hidden[at + width + k]! + (hidden[at + 2 * width + k]! + hidden[at + 3 * width + k]!);
      }
    }
    for (; t < end; t++) {
      const at = (r * length + t) * width;
      for (let k = 0; k < width; k++) sum[k]! += hidden[at + k]!;
    }
    const count = end - start;
    const out = r * width;
    for (let k = 0; k < width; k++) pooled[out + k] = sum[k]! / count;
  }
  return pooled;
}
