/**
 * What an inference worker needs to know about its model, fully resolved (names, widths, pooling): the form
 * {@link loadBundle} returns for each of a bundle's three models and {@link startInferencePool} takes. Plain
 * data, so it crosses to the worker threads as `workerData` unchanged.
 */

/**
 * How token states become one row (VirNucPro semantics §5-6):
 * - `mean`: mean over every real token (mask 1), `[CLS]` and `[SEP]` included (DNABERT-S);
 * - `mean-residues`: mean over positions 1..min(1024, P), P = real length − 2: `<cls>`, `<eos>` and padding
 *   excluded (ESM-2).
 */
export type Pooling = 'mean' | 'mean-residues';
export const POOLINGS: readonly Pooling[] = ['mean', 'mean-residues'];

/** A token encoder: input_ids + attention_mask int64 [rows, tokens] → pooled float32 [rows, hiddenSize]. */
export interface EmbeddingModel {
  readonly kind: 'embedding';
  /** Names the model in messages: the manifest key ('dna', 'protein') or a caller's label. */
  readonly label: string;
  /** Absolute path of the .onnx file. */
  readonly file: string;
  readonly inputIds: string;
  readonly attentionMask: string;
  /** The hidden-state output [rows, tokens, hiddenSize], pooled by virnucpro. */
  readonly output: string;
  /** An in-graph pooled output [rows, hiddenSize], computed with `pooling`; used instead of `output` when set. */
  readonly pooledOutput?: string;
  readonly pooling: Pooling;
  readonly hiddenSize: number;
}

/** The VirNucPro MLP: features float32 [n, inputWidth] → logits float32 [n, 2] (others, virus). */
export interface ClassifierModel {
  readonly kind: 'classifier';
  readonly label: string;
  readonly file: string;
  readonly input: string;
  readonly output: string;
  readonly inputWidth: number;
}

export type ModelSpec = EmbeddingModel | ClassifierModel;

/** Logit columns of the classifier: score1 = P(others), score2 = P(virus) after softmax. */
export const CLASSIFIER_CLASSES = 2;

/** Width of the rows a model returns: pooled hidden size, or the classifier's logits. */
export function outputWidth(model: ModelSpec): number {
  return model.kind === 'embedding' ? model.hiddenSize : CLASSIFIER_CLASSES;
}
