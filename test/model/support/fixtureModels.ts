import path from 'node:path';
import type { ClassifierModel } from '../../../src/model/modelSpec.js';
import { REPO_ROOT } from '../../support/shared.js';

/**
 * The tiny ONNX models of test/fixtures/onnx (made by make_onnx.py) and their outputs computed
 * independently from the same closed-form weights, in float64.
 */

export const ONNX_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'onnx');
export const onnxFixture = (name: string): string => path.join(ONNX_DIR, name);

/** make_onnx.py VOCAB and EMBED. */
export const VOCAB = 64;
const EMBED = 8;
/** Added by the encoders to padded positions (make_onnx.py PAD_OFFSET). */
export const PAD_OFFSET = 1000;

const f32 = Math.fround;
const table = (v: number, j: number): number => f32(Math.sin(0.37 * v + 1.3 * j));
const weight = (k: number, j: number): number => f32(Math.cos(0.5 * k - 0.25 * j) / 4);
const bias = (k: number): number => f32(0.01 * k);

/** Hidden state of token id `v` in an encoder of width `hidden` (position-independent): W · table[v] + b. */
export function encoderState(v: number, hidden: number): number[] {
  return Array.from({ length: hidden }, (_, k) => {
    let sum = bias(k);
    for (let j = 0; j < EMBED; j++) sum += weight(k, j) * table(v, j);
    return sum;
  });
}

/** Mean of encoderState over `ids[start..end)`, in float64. */
export function expectedMean(ids: readonly number[], start: number, end: number, hidden: number): number[] {
  const sum = new Float64Array(hidden);
  for (let t = start; t < end; t++) encoderState(ids[t]!, hidden).forEach((value, k) => (sum[k]! += value));
  return Array.from(sum, (value) => value / (end - start));
}

/** classifier_w12.onnx as a model: one Linear 12 -> 2, features [n, 12] to logits [n, 2] (expectedLogits). */
export const CLASSIFIER_W12: ClassifierModel = {
  kind: 'classifier',
  label: 'classifier',
  file: onnxFixture('classifier_w12.onnx'),
  input: 'features',
  output: 'logits',
  inputWidth: 12,
};

/** classifier_w12.onnx: logits = W · features + b with W [2, 12] from the same formula. */
export function expectedLogits(features: readonly number[]): number[] {
  return [0, 1].map((k) => features.reduce((sum, x, j) => sum + weight(k, j) * x, bias(k)));
}

/** Largest |a[i] − b[i]|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
