import type { FeatureBatch, Matrix, ModelBatch, TokenBatch } from './batches.js';
import type { ClassifierModel, EmbeddingModel, ModelSpec } from './modelSpec.js';

/**
 * What runs a model for the embedding engine and the classifier: a started backend that takes one packed
 * batch at a time and answers its matrix. The onnxruntime worker pool (InferencePool) is the first
 * implementation; another one (a remote inference server, several GPUs) implements this interface and a
 * {@link StartInferenceBackend}, and the operators and the pipeline run on it unchanged.
 */

/** A one-line account of a backend, for logs and the run summary. */
export interface InferenceBackendDescription {
  /** Which implementation: 'onnxruntime-workers' for InferencePool. */
  readonly backend: string;
  /** The model's label ('DNABERT-S', 'ESM-2', 'classifier' …). */
  readonly model: string;
  /** Where it runs ('cpu', 'cuda:0', a server's address …). */
  readonly device: string;
  /** Requests it runs at once. */
  readonly concurrency: number;
  /** Anything else worth reporting (threads per worker, …): JSON values. */
  readonly details: Readonly<Record<string, unknown>>;
}

/** A started model backend. `B` is its batch type: TokenBatch for encoders, FeatureBatch for the classifier. */
export interface InferenceBackend<B extends ModelBatch = ModelBatch> {
  /** The model it runs (kind, hidden size or width, file, label). */
  readonly model: ModelSpec;
  /**
   * Requests it runs at once: callers keep about two per unit in flight (one running, one queued), so this
   * sets how much work a stage sends ahead. The worker pool's worker count.
   */
  readonly concurrency: number;
  /** Columns of every result: the hidden size (encoders) or 2 (classifier). */
  readonly outputWidth: number;
  /**
   * Token batches run fastest padded to a multiple of this length (the packer rounds its widths up to it):
   * {@link paddedLengthMultiple} of the device for the worker pool. Absent: 1.
   */
  readonly paddedLengthMultiple?: number;
  /**
   * Runs one batch: pooled float32 [rows, hiddenSize] (encoders) or logits [rows, 2] (classifier). The
   * batch's buffer may be transferred: callers do not touch it afterwards. An abort rejects with the
   * signal's reason (a batch already running may finish; its result is dropped).
   */
  run(batch: B, signal?: AbortSignal): Promise<Matrix>;
  describe(): InferenceBackendDescription;
  /** Stops it; requests not started reject. Calling it again is harmless. */
  close(): Promise<void>;
}

/** Starts a backend for a model; rejects with the model's load error, or the signal's reason. */
export interface StartInferenceBackend {
  (model: EmbeddingModel, options: { readonly signal?: AbortSignal | undefined }): Promise<InferenceBackend<TokenBatch>>;
  (model: ClassifierModel, options: { readonly signal?: AbortSignal | undefined }): Promise<InferenceBackend<FeatureBatch>>;
}

/** Whether `value` has the shape of an InferenceBackend (a structural check, for option validation). */
export function isInferenceBackend(value: unknown): value is InferenceBackend {
  if (typeof value !== 'object' || value === null) return false;
  const backend = value as Partial<InferenceBackend>;
  return (
    typeof backend.run === 'function' &&
    typeof backend.close === 'function' &&
    typeof backend.describe === 'function' &&
    typeof backend.model === 'object' &&
    backend.model !== null &&
    Number.isSafeInteger(backend.concurrency) &&
    (backend.concurrency ?? 0) >= 1
  );
}
