// Model bundles and ONNX inference in worker threads: no RxJS (the embedding and classify operators drive it).

// Load and check a bundle before any worker starts (the CLI's --models, the operators' model options).
export { loadBundle, DEFAULT_LOAD_BUNDLE, MANIFEST_FILE, type LoadBundleOptions, type ModelBundle, type BundleEncoder, type BundleClassifier } from './bundle.js';
// A bundle loaded for some of its models (`parts`), e.g. one encoder for `virnucpro embed`.
export { type PartialBundle, type LoadBundlePartsOptions } from './bundle.js';
export { CHUNK_LENGTHS, BUNDLE_PARTS, type ChunkLength, type BundlePart } from './manifest.js';
// What a pool runs: produced by loadBundle, or written by hand for a single ONNX file.
export { type EmbeddingModel, type ClassifierModel, type ModelSpec, type Pooling, CLASSIFIER_CLASSES } from './modelSpec.js';
// The pool the embedding and classifier stages share.
export {
  startInferencePool,
  resolveInferencePoolOptions,
  DEFAULT_INFERENCE_POOL,
  InferencePool,
  type InferencePoolOptions,
  type InferencePoolStats,
} from './inferencePool.js';
export { EXECUTION_PROVIDERS, type ExecutionProvider, type GraphOptimizationLevel } from './sessionSettings.js';
// Request and result shapes: one transferred buffer each way.
export { padTokenRows, allocateFeatureBatch, type TokenBatch, type FeatureBatch, type ModelBatch, type Matrix } from './batches.js';
// The pooled span, for callers that check maxTokens or report how many residues were pooled.
export { ESM_MAX_POOLED_RESIDUES } from './pooling.js';
