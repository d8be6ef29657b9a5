import { VirnucproError } from '../errors.js';
import { allocateFeatureBatch, type FeatureBatch, type Matrix } from '../model/batches.js';
import type { FrameBatch } from '../sequence/frameBatch.js';

/**
 * The classifier step of VirNucPro (semantics §7) on columnar frame batches, without RxJS: joining the two
 * embeddings into feature rows, and softmax of the logits the way PyTorch computes it in float32.
 */

/** Frames with both pooled embeddings (row i = frame i): what the classifier consumes. */
export interface EmbeddedFrames extends FrameBatch {
  /** DNABERT-S means, float32 [count, dnaHidden], row-major. */
  readonly dnaEmbeddings: Float32Array;
  readonly dnaHidden: number;
  /** ESM-2 means, float32 [count, proteinHidden], row-major. */
  readonly proteinEmbeddings: Float32Array;
  readonly proteinHidden: number;
}

/** Per-frame class probabilities (row i = frame i), float32 softmax of the classifier's logits. */
export interface FrameScores {
  /** P(others): the original's `score1`. */
  readonly score1: Float32Array;
  /** P(virus): the original's `score2`. */
  readonly score2: Float32Array;
}

/** Frames with their scores, embeddings dropped: what classifyFrames emits. */
export type ClassifiedFrames = FrameBatch & FrameScores;

/** A frame's label: `virus` iff score2 > score1, so an exact tie is `others` (the original's rule). */
export type FramePrediction = 'virus' | 'others';

export function framePrediction(score1: number, score2: number): FramePrediction {
  return score2 > score1 ? 'virus' : 'others';
}

/**
 * Feature rows [dna | protein] (DNA first, as the original's merge) of frames [from, to), in a buffer of
 * our own that the inference pool may transfer. `width` is what the classifier takes: refused when the
 * embeddings do not add up to it (a bundle mixing model sets).
 */
export function featureRows(batch: EmbeddedFrames, from: number, to: number, width: number): FeatureBatch {
  const { dnaEmbeddings, dnaHidden, proteinEmbeddings, proteinHidden } = batch;
  if (dnaHidden + proteinHidden !== width) {
    throw new VirnucproError(
      'BUNDLE_MISMATCH',
      `the classifier takes ${width} features, but the embeddings give ` +
        `${dnaHidden} (DNA) + ${proteinHidden} (protein) = ${dnaHidden + proteinHidden}`,
      {
        hint: 'use the three models of one bundle: they are exported together (tools/export_bundle.py)',
      },
    );
  }
  if (dnaEmbeddings.length !== batch.count * dnaHidden || proteinEmbeddings.length !== batch.count * proteinHidden) {
    throw new VirnucproError(
      'INTERNAL',
      `embeddings of ${batch.count} frames have ${dnaEmbeddings.length / dnaHidden} DNA ` +
        `and ${proteinEmbeddings.length / proteinHidden} protein rows`,
    );
  }
  const features = allocateFeatureBatch(to - from, width);
  const { values } = features;
  for (let i = from; i < to; i++) {
    const row = (i - from) * width;
    values.set(dnaEmbeddings.subarray(i * dnaHidden, (i + 1) * dnaHidden), row);
    values.set(proteinEmbeddings.subarray(i * proteinHidden, (i + 1) * proteinHidden), row + dnaHidden);
  }
  return features;
}

const f32 = Math.fround;

/**
 * Softmax of logits [rows, 2] into score1/score2 from index `at`, as `torch.softmax(logits, dim=1)` computes
 * it in float32 on the CPU: subtract the row max, exp, sum, multiply by the reciprocal of the sum, every step
 * rounded to float32. Against the fixture's PyTorch scores: 273 of 304 frames bit-identical, the rest within
 * one or two ulps (torch's vectorised expf is not correctly rounded).
 */
export function softmaxInto(logits: Matrix, score1: Float32Array, score2: Float32Array, at: number): void {
  if (logits.columns !== 2) throw new VirnucproError('INTERNAL', `classifier returned ${logits.columns} columns, expected 2`);
  const { data, rows } = logits;
  for (let r = 0; r < rows; r++) {
    const others = data[2 * r]!;
    const virus = data[2 * r + 1]!;
    const max = others > virus ? others : virus;
    const eOthers = f32(Math.exp(f32(others - max)));
    const eVirus = f32(Math.exp(f32(virus - max)));
    const reciprocal = f32(1 / f32(eOthers + eVirus));
    score1[at + r] = eOthers * reciprocal;
    score2[at + r] = eVirus * reciprocal;
  }
}

/** The fields classifyFrames drops. */
export type EmbeddingFields = 'dnaEmbeddings' | 'dnaHidden' | 'proteinEmbeddings' | 'proteinHidden';

/** What classifyFrames makes of a batch: everything but the embeddings, plus the scores. */
export type Classified<B extends EmbeddedFrames> = Omit<B, EmbeddingFields> & FrameScores;
