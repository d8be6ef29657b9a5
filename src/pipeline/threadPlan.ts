import { availableParallelism } from 'node:os';
import { ENCODERS, type EncoderName } from '../model/manifest.js';
import type { ExecutionProvider } from '../model/sessionSettings.js';
import type { EncoderThreads, ThreadPlan } from '../output/runSummaryJson.js';

// The plan's type is what run_summary.json records of it.
export type { EncoderThreads, ThreadPlan } from '../output/runSummaryJson.js';

/**
 * How `predict` shares the machine between its stages: the translate pool (piscina threads), the DNA and
 * protein encoders (onnxruntime sessions in worker threads, each with its intra-op thread pool) and the
 * classifier. The encoders are where the time goes, so on the CPU they split the thread budget between
 * them by cost; translation and the MLP are 3-4 orders of magnitude cheaper and get one thread each, which
 * sleeps (blocked on a message, or onnxruntime with one intra-op thread runs on its caller) while idle.
 */

/** DNABERT-S's share of the encoder threads on the CPU (its row of the encoder table says why). */
export const DNA_THREAD_SHARE: number = ENCODERS.find((encoder) => encoder.key === 'dna')!.threadShare;
/** Translate threads per budget thread: one translate thread keeps up with ~0.6 M reads/s, far above any encoder. */
const TRANSLATE_THREADS_PER_BUDGET = 1 / 16;
const MAX_TRANSLATE_THREADS = 4;

export interface ThreadPlanOptions {
  /** CPU threads for the whole run (integer ≥ 1). Default: available cores. */
  readonly threads?: number;
  /** Worker threads per encoder, each a full copy of its model (integer ≥ 1). Default 1. */
  readonly workers?: number;
  /** onnxruntime intra-op threads per encoder worker (integer ≥ 1). Default: from the plan. */
  readonly intraOpThreads?: number;
  /** Where the encoders run. Default 'cpu'. */
  readonly device?: ExecutionProvider;
}

export const DEFAULT_THREAD_PLAN = {
  workers: 1,
  device: 'cpu',
} as const satisfies ThreadPlanOptions;

/**
 * The default split of `threads` (cores by default):
 * - CPU: encoders share all `threads` (DNA ⌈1/8⌉, protein the rest, at least one each), divided among
 *   their workers; one translate thread per 16 (1 to 4); the classifier one. So intra-op pools never add up
 *   to more than the budget, and the extra translate and classifier threads mostly sleep.
 * - GPU (cuda, webgpu): the encoders need one CPU thread each for what runs on the host; translation gets
 *   up to 4 of the budget.
 * `intraOpThreads` overrides the encoders' per-worker threads.
 */
export function planThreads(options: ThreadPlanOptions = {}): ThreadPlan {
  const threads = options.threads ?? availableParallelism();
  const workers = options.workers ?? DEFAULT_THREAD_PLAN.workers;
  const device = options.device ?? DEFAULT_THREAD_PLAN.device;
  for (const [name, value] of [
    ['threads', threads],
    ['workers', workers],
    ['intraOpThreads', options.intraOpThreads ?? 1],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`options.${name} must be an integer >= 1 (got ${String(value)})`);
  }
  const classifier = { workers: 1, intraOpNumThreads: 1 };
  if (device !== 'cpu') {
    const onHost = { workers, intraOpNumThreads: options.intraOpThreads ?? 1 };
    const encoders = Object.fromEntries(ENCODERS.map((encoder) => [encoder.key, onHost]));
    return { threads, translate: Math.min(MAX_TRANSLATE_THREADS, threads), ...encoders, classifier } as ThreadPlan;
  }
  const perWorker = (total: number): number => options.intraOpThreads ?? Math.max(1, Math.floor(total / workers));
  const encoders = Object.fromEntries(
    encoderThreads(threads).map(({ key, total }): [EncoderName, EncoderThreads] => [key, { workers, intraOpNumThreads: perWorker(total) }]),
  );
  return {
    threads,
    translate: Math.min(MAX_TRANSLATE_THREADS, Math.max(1, Math.floor(threads * TRANSLATE_THREADS_PER_BUDGET))),
    ...encoders,
    classifier,
  } as ThreadPlan;
}

/** Each encoder's threads out of `threads`: its share, at least one; the table's last row takes what is left. */
function encoderThreads(threads: number): { readonly key: EncoderName; readonly total: number }[] {
  let left = threads;
  return ENCODERS.map((encoder, i) => {
    const total = i === ENCODERS.length - 1 ? Math.max(1, left) : Math.max(1, Math.round(threads * encoder.threadShare));
    left -= total;
    return { key: encoder.key, total };
  });
}
