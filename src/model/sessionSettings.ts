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
  /**
   * Whether onnxruntime's intra-op threads spin (busy-wait) for new work after each parallel section instead
   * of sleeping at once: session config entry `session.intra_op.allow_spinning` ('1' or '0'). Spinning saves
   * the wake-up latency when one session has the cores to itself, and burns them when several sessions (or
   * other threads) share them: a spinning pool takes the cores another pool needs.
   */
  readonly allowSpinning: boolean;
}

/** The session config entries ({@link SessionSettings}) passed to onnxruntime as `SessionOptions.extra`. */
export function sessionConfigEntries(settings: Pick<SessionSettings, 'allowSpinning'>): {
  session: { intra_op: { allow_spinning: '0' | '1' } };
} {
  return { session: { intra_op: { allow_spinning: settings.allowSpinning ? '1' : '0' } } };
}

/**
 * The multiple encoder batches are padded to on a provider. On CUDA, onnxruntime 1.29's `Attention` runs its
 * fused (memory-efficient) kernel with an attention bias only when the key length is a multiple of 4, and
 * otherwise the unfused one (scores materialised): DNABERT-S always has a bias (ALiBi), ESM-2 its padding mask.
 * ADR 0007 has the measurement. The CPU kernels gain nothing from it.
 */
export function paddedLengthMultiple(provider: ExecutionProvider): number {
  return provider === 'cuda' ? CUDA_PADDED_LENGTH_MULTIPLE : 1;
}

const CUDA_PADDED_LENGTH_MULTIPLE = 4;
