// The main entry of virnucpro (`import … from 'virnucpro'`): the one-call prediction stream, the sinks that
// end a pipeline, the batch types and what reads them, models, and the original's output formats. The stage
// operators are in `virnucpro/operators`.

/** A whole `virnucpro predict` run (stdout-like stream or resumable -o DIR, exactly-once, summary) as one call. */
export {
  runPredict,
  type PredictRunOptions,
  type PredictOutput,
  type PredictRunResult,
  type RunLog,
  type RunProgress,
} from './pipeline/runPredict.js';
export { summaryLines } from './output/summaryLines.js';
export type { RunSummary, StageSummary } from './output/runSummaryJson.js';
export { openStdout, openOutputFile, type OutputStream } from './output/outputStream.js';
export { VIRNUCPRO_VERSION } from './pipeline/version.js';
/** The whole prediction as one backpressured stream of result batches, and its models started ahead of it. */
export {
  predict,
  startPredictModels,
  type PredictOptions,
  type PredictionBatch,
  type PredictModels,
  type PredictPools,
  type PredictWarning,
  type BundleWarning,
} from './pipeline/predict.js';
/** A run's options resolved once (defaults filled in from one table, each with its memory cost), frozen. */
export { planRun, type RunPlan, type RunPlanOptions } from './pipeline/runPlan.js';
export {
  PREDICT_DEFAULTS,
  DEFAULT_PREDICT_CREDIT_UNITS,
  PREDICT_BATCH_BASES,
  DEFAULT_PREDICT_ALLOW_SPINNING,
  type PredictDefault,
} from './pipeline/predictDefaults.js';
/** Counts and per-stage telemetry a predict run fills (progress, summaries, exactly-once checks). */
export { PredictStats, StageTelemetry, PREDICT_STAGES, type PredictStage } from './pipeline/predictStats.js';
/** How predict splits CPU threads between translation, the two encoders and the classifier. */
export { planThreads, DNA_THREAD_SHARE, type ThreadPlan, type ThreadPlanOptions, type EncoderThreads } from './pipeline/threadPlan.js';
/** Where a run stands in its input (records and their fingerprint): what resuming uses. */
export { EMPTY_FINGERPRINT, type InputCheckpoint } from './fasta/inputCheckpoint.js';
/** The classifier's outputs and the original's two decision rules (per frame: >, per chunk: ≥). */
export {
  framePrediction,
  type ClassifiedFrames,
  type Classified,
  type EmbeddedFrames,
  type FrameScores,
  type FramePrediction,
} from './classify/classification.js';
export { isViralChunk, type ChunkConsensusTable, type ConsensusRows } from './classify/consensus.js';
/** Chunks and reads by call (viral, not viral, uncallable), as run_summary.json counts them. */
export { CallTally, type CallCounts, type CallSplit } from './classify/callCounts.js';

/** Ends a pipeline: runs a handler (or writes bytes) per batch and releases its credit afterwards. */
export { consumeBatches, writeBatches } from './flow/sink.js';
/** The one backpressure primitive: a window of credit shared by a pipeline, and the leases batches hold. */
export { Credit, Lease, type Leased } from './flow/credit.js';

/** Batch types the operators exchange, and the names of their rows as the original writes them. */
export type { RecordBatch } from './fasta/recordBatch.js';
export { recordBases } from './fasta/recordBatch.js';
export { chunkId, type ChunkBatch, type ChunkNames } from './sequence/chunkBatch.js';
export { frameId, type FrameBatch } from './sequence/frameBatch.js';
export { FRAME_SUFFIXES, type FrameSuffix, type FrameTable } from './sequence/sixFrames.js';
/** What the reader counted and warned about (records, bases, empty records skipped). */
export { FastaStats, type FastaWarning, type FastaWarningKind, type FastaRecordRef } from './fasta/fastaStats.js';
/** A translate pool to share between pipelines (translateSixFrames({ pool })). */
export { TranslatePool, type TranslatePoolOptions } from './sequence/translatePool.js';

/** Model bundles (manifest + ONNX files) and the inference pools the model stages run on. */
export {
  loadBundle,
  MANIFEST_FILE,
  type ModelBundle,
  type BundleEncoder,
  type BundleClassifier,
  type LoadBundleOptions,
} from './model/bundle.js';
export { startInferencePool, InferencePool, type InferencePoolOptions } from './model/inferencePool.js';
/** What the model stages run on: the worker pool above, or a backend of your own (a remote server…) via `startBackend`. */
export {
  isInferenceBackend,
  type InferenceBackend,
  type InferenceBackendDescription,
  type StartInferenceBackend,
} from './model/inferenceBackend.js';
export { EXECUTION_PROVIDERS, type ExecutionProvider } from './model/sessionSettings.js';
export type { EmbeddingModel, ClassifierModel } from './model/modelSpec.js';
/** The tokenizers the embedding operators need: a bundle encoder's own, or ESM-2's alphabet. */
export { loadEncoderTokenizer } from './embed/encoderTokenizer.js';
export { Esm2Tokenizer, loadBpeTokenizer, type Tokenizer } from './tokenize/index.js';
/** Token-packing figures (real vs padded tokens) an embedding operator fills. */
export { PackingStats, type PackingStatsJSON } from './packing/packingStats.js';

/** The original's output formats, byte for byte: its two files, and the stdout formats of `virnucpro predict`. */
export {
  PREDICTION_RESULTS_HEADER,
  HIGHEST_SCORE_HEADER,
  predictionResultsRows,
  highestScoreRow,
  chunkRows,
  frameRows,
  streamHeader,
  STREAM_FORMATS,
  type StreamFormat,
} from './output/predictionRows.js';
/** Scores as the original prints them (numpy float32 str()). */
export { formatFloat32 } from './output/float32Text.js';
/** The resumable `-o DIR` writer and the bounded-memory consensus sort, for tools that write the original's files. */
export {
  PredictionDirectory,
  PREDICTION_RESULTS_FILE,
  HIGHEST_SCORE_FILE,
  RUN_SUMMARY_FILE,
  type OutputMode,
  type RunIdentity,
} from './output/predictionDirectory.js';
export { sortConsensus, type ConsensusSortOptions, type ConsensusSortResult } from './output/consensusSort.js';
/** Optional tables of `-o DIR` (runPredict's `output.tables`), written, resumed and merged like the listed ones. */
export type { DirectoryTable, DirectoryTableGroup, TableBatch, TableCounts } from './output/directoryTable.js';
/** `virnucpro merge`: finished `-o` directories (shards or separate inputs) into one, with the optional tables given. */
export { mergeRuns, type MergeOptions, type MergeSummary } from './output/shardMerge.js';

/** Every deliberate error: a stable code, a position, a hint; and the CLI's exit codes. */
export { VirnucproError, EXIT, ERROR_EXIT, type ErrorCode, type ExitCode } from './errors.js';
