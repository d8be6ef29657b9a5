import { VirnucproError } from '../errors.js';
import { allocateFeatureBatch, type FeatureBatch, type Matrix } from '../model/batches.js';
import { ENCODER_NAMES, encoderTitle, type EncoderName } from '../model/manifest.js';
import type { FrameBatch } from '../sequence/frameBatch.js';

/**
 * The classifier step of VirNucPro (semantics §7) on columnar frame batches, without RxJS: joining the two
 * embeddings into feature rows, and softmax of the logits the way PyTorch computes it in float32.
 */

/**
 * The batch fields that hold an encoder's pooled embeddings: `${name}Embeddings` (float32 [count, hidden],
 * row-major) and `${name}Hidden`, so the encoder named `dna` gives `dnaEmbeddings` and `dnaHidden`. The
 * embedding operators write them, the classifier joins and then drops them.
 */
export function embeddingFields<N extends string>(name: N): { readonly values: `${N}Embeddings`; readonly hidden: `${N}Hidden` } {
  return { values: `${name}Embeddings`, hidden: `${name}Hidden` };
}

/**
 * The encoders whose embeddings form a feature row, in order. Default: the bundle format's encoders in the
 * original's order, [dna | protein].
 */
export const DEFAULT_FEATURES: readonly string[] = ENCODER_NAMES;

/** Encoder `N`'s pooled embeddings of a batch's frames (row i = frame i), in the fields {@link embeddingFields} names. */
export type EncoderEmbeddings<N extends string> = { readonly [K in `${N}Embeddings`]: Float32Array } & {
  readonly [K in `${N}Hidden`]: number;
};

/**
 * Frames with the pooled embeddings of the bundle format's encoders (row i = frame i): what the classifier
 * consumes. Today `dnaEmbeddings`/`dnaHidden` (DNABERT-S means) and `proteinEmbeddings`/`proteinHidden` (ESM-2).
 */
export type EmbeddedFrames = FrameBatch & EncoderEmbeddings<EncoderName>;

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
 * Feature rows of frames [from, to): the embeddings of the `features` encoders side by side, in that order
 * (default [dna | protein], DNA first, as the original's merge), in a buffer of our own that the inference
 * pool may transfer. `width` is what the classifier takes: refused when the embeddings do not add up to it
 * (a bundle mixing model sets).
 */
export function featureRows(
  batch: FrameBatch,
  from: number,
  to: number,
  width: number,
  features: readonly string[] = DEFAULT_FEATURES,
): FeatureBatch {
  const parts = features.map((name) => {
    const fields = embeddingFields(name);
    const { [fields.values]: values, [fields.hidden]: hidden } = batch as unknown as Record<string, unknown>;
    if (!(values instanceof Float32Array) || typeof hidden !== 'number') {
      throw new VirnucproError(
        'INTERNAL',
        `frames reach the classifier without the ${name} embeddings (${fields.values}, ${fields.hidden})`,
      );
    }
    return { name, values, hidden };
  });
  const total = parts.reduce((sum, { hidden }) => sum + hidden, 0);
  if (total !== width) {
    throw new VirnucproError(
      'BUNDLE_MISMATCH',
      `the classifier takes ${width} features, but the embeddings give ` +
        `${parts.map(({ name, hidden }) => `${hidden} (${encoderTitle(name)})`).join(' + ')} = ${total}`,
      {
        hint: 'use the three models of one bundle: they are exported together (tools/export_bundle.py)',
      },
    );
  }
  const uneven = parts.find(({ values, hidden }) => values.length !== batch.count * hidden);
  if (uneven) {
    throw new VirnucproError(
      'INTERNAL',
      `embeddings of ${batch.count} frames have ${parts.map(({ name, values, hidden }) => `${values.length / hidden} ${encoderTitle(name)}`).join(' and ')} rows`,
    );
  }
  const rows = allocateFeatureBatch(to - from, width);
  const { values } = rows;
  for (let i = from; i < to; i++) {
    let at = (i - from) * width;
    for (const part of parts) {
      values.set(part.values.subarray(i * part.hidden, (i + 1) * part.hidden), at);
      at += part.hidden;
    }
  }
  return rows;
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
export type EmbeddingFields = keyof EncoderEmbeddings<EncoderName>;

/** What classifyFrames makes of a batch: everything but the embeddings, plus the scores. */
export type Classified<B extends EmbeddedFrames> = Omit<B, EmbeddingFields> & FrameScores;
