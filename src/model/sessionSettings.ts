/**
 * How each inference worker opens its onnxruntime session. Plain data: it travels to the workers in
 * `workerData` and is validated on the main thread (inferencePool.ts) before any worker starts.
 */

/** onnxruntime-node execution providers virnucpro can ask for. */
export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu';
export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ['cpu', 'cuda', 'webgpu'];

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';
export const GRAPH_OPTIMIZATION_LEVELS: readonly GraphOptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];

export interface SessionSettings {
  readonly executionProvider: ExecutionProvider;
  /** GPU index for 'cuda' (onnxruntime-node passes no device choice to the other providers). */
  readonly deviceId: number;
  /** onnxruntime's intra-op thread pool size, per worker. */
  readonly intraOpNumThreads: number;
  readonly graphOptimizationLevel: GraphOptimizationLevel;
}
