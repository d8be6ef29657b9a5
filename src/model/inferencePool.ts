import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { VirnucproError, fromErrorData } from '../errors.js';
import { batchBytes, batchColumns, type FeatureBatch, type Matrix, type ModelBatch, type TokenBatch } from './batches.js';
import type { InferenceBackend, InferenceBackendDescription } from './inferenceBackend.js';
import { outputWidth, type ClassifierModel, type EmbeddingModel, type ModelSpec } from './modelSpec.js';
import {
  EXECUTION_PROVIDERS,
  paddedLengthMultiple,
  GRAPH_OPTIMIZATION_LEVELS,
  type ExecutionProvider,
  type GraphOptimizationLevel,
  type SessionSettings,
} from './sessionSettings.js';
import type { FromWorker, RunRequest, ToWorker, WorkerInit } from './workerProtocol.js';

/**
 * Default worker count. Each worker holds its own session, i.e. a full copy of the weights (ESM-2 3B fp32:
 * ~11 GiB; DNABERT-S: ~0.5 GiB), and one session already spreads a batch over all cores through its intra-op
 * threads; more workers only help when batches are too small to keep those threads busy.
 */
const DEFAULT_WORKERS = 1;

export interface InferencePoolOptions {
  /** Worker threads, one session each (integer ≥ 1). Default 1. */
  readonly workers?: number;
  /**
   * onnxruntime intra-op threads per worker (integer ≥ 1), or 'auto': max(1, floor(cores / workers)), so that
   * workers × threads never oversubscribes the cores. Default 'auto'.
   */
  readonly intraOpNumThreads?: number | 'auto';
  /** 'cpu' (default), 'cuda' (needs onnxruntime's CUDA provider installed, see docs/gpu.md) or 'webgpu'. */
  readonly executionProvider?: ExecutionProvider;
  /** GPU index for 'cuda'. Default 0. */
  readonly deviceId?: number;
  /** onnxruntime graph optimisation. Default 'all'. */
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
  /**
   * Let the intra-op threads spin between parallel sections (SessionSettings.allowSpinning). Default true,
   * onnxruntime's own: right for one pool that has the cores to itself (`virnucpro embed`). Pass false when
   * several pools share the cores (`predict` runs three, plus the translate workers).
   */
  readonly allowSpinning?: boolean;
  /** Aborts start-up (the workers are stopped). Requests take their own signal. */
  readonly signal?: AbortSignal | undefined;
  /** @internal Test seam: a worker script that wraps inferenceWorker.js (test/model/support/). */
  readonly workerUrl?: URL;
}

export const DEFAULT_INFERENCE_POOL = {
  workers: DEFAULT_WORKERS,
  intraOpNumThreads: 'auto',
  executionProvider: 'cpu',
  deviceId: 0,
  graphOptimizationLevel: 'all',
  allowSpinning: true,
} as const satisfies InferencePoolOptions;

export interface ResolvedInferencePoolOptions {
  readonly workers: number;
  readonly settings: SessionSettings;
}

const WORKER = new URL('./inferenceWorker.js', import.meta.url);

/**
 * Starts a pool of worker threads that each load `model` once, and resolves when every worker has loaded
 * it (or rejects with the first load error: MODEL_LOAD naming the file, or BUNDLE_INVALID when its inputs
 * and outputs break the contract; the other workers are then stopped).
 *
 * @example
 * const pool = await startInferencePool(bundle.dna, { workers: 1 });
 * const pooled = await pool.run(padTokenRows(rows, DNABERT_PAD_ID)); // Matrix [rows, 768]
 * await pool.close();
 */
export function startInferencePool(model: EmbeddingModel, options?: InferencePoolOptions): Promise<InferencePool<TokenBatch>>;
export function startInferencePool(model: ClassifierModel, options?: InferencePoolOptions): Promise<InferencePool<FeatureBatch>>;
export async function startInferencePool(model: ModelSpec, options: InferencePoolOptions = {}): Promise<InferencePool<ModelBatch>> {
  const { workers, settings } = resolveInferencePoolOptions(options);
  const init: WorkerInit = { model, settings };
  const threads = Array.from({ length: workers }, () => new Worker(options.workerUrl ?? WORKER, { workerData: init }));
  const exits = threads.map((worker) => new Promise<void>((resolve) => worker.once('exit', () => resolve())));
  try {
    await Promise.all(threads.map((worker, index) => loaded(worker, index, model, options.signal)));
  } catch (error) {
    // Never worker.terminate() here: a worker still inside onnxruntime's native session creation, stopped
    // under it, aborts the whole process ("terminate called after throwing an instance of 'Napi::Error'").
    // 'close' waits in the worker's queue until its load ends, then releases the session and exits.
    for (const worker of threads) {
      try {
        worker.postMessage({ type: 'close' } satisfies ToWorker);
      } catch {
        // already exited
      }
    }
    await Promise.all(exits);
    throw error;
  }
  return new InferencePool(model, threads, settings);
}

/** Fills in defaults and checks every option, throwing a TypeError that names the bad one. */
export function resolveInferencePoolOptions(options: InferencePoolOptions): ResolvedInferencePoolOptions {
  const workers = options.workers ?? DEFAULT_INFERENCE_POOL.workers;
  if (!Number.isSafeInteger(workers) || workers < 1) throw new TypeError(`options.workers must be an integer >= 1 (got ${workers})`);
  const threads = options.intraOpNumThreads ?? DEFAULT_INFERENCE_POOL.intraOpNumThreads;
  const intraOpNumThreads = threads === 'auto' ? Math.max(1, Math.floor(availableParallelism() / workers)) : threads;
  if (!Number.isSafeInteger(intraOpNumThreads) || intraOpNumThreads < 1) {
    throw new TypeError(`options.intraOpNumThreads must be an integer >= 1 or 'auto' (got ${String(threads)})`);
  }
  const executionProvider = options.executionProvider ?? DEFAULT_INFERENCE_POOL.executionProvider;
  if (!EXECUTION_PROVIDERS.includes(executionProvider)) {
    throw new TypeError(`options.executionProvider must be one of ${EXECUTION_PROVIDERS.join(', ')} (got ${String(executionProvider)})`);
  }
  const deviceId = options.deviceId ?? DEFAULT_INFERENCE_POOL.deviceId;
  if (!Number.isSafeInteger(deviceId) || deviceId < 0) throw new TypeError(`options.deviceId must be an integer >= 0 (got ${deviceId})`);
  const graphOptimizationLevel = options.graphOptimizationLevel ?? DEFAULT_INFERENCE_POOL.graphOptimizationLevel;
  if (!GRAPH_OPTIMIZATION_LEVELS.includes(graphOptimizationLevel)) {
    throw new TypeError(
      `options.graphOptimizationLevel must be one of ${GRAPH_OPTIMIZATION_LEVELS.join(', ')} (got ${String(graphOptimizationLevel)})`,
    );
  }
  const allowSpinning = options.allowSpinning ?? DEFAULT_INFERENCE_POOL.allowSpinning;
  if (typeof allowSpinning !== 'boolean') throw new TypeError(`options.allowSpinning must be a boolean (got ${String(allowSpinning)})`);
  return { workers, settings: { executionProvider, deviceId, intraOpNumThreads, graphOptimizationLevel, allowSpinning } };
}

/** Resolves on the worker's 'ready'; rejects on its load error, its death, or the start-up signal. */
function loaded(worker: Worker, index: number, model: ModelSpec, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let uncaught: unknown;
    const done = (error?: unknown): void => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onMessage = (message: FromWorker): void => {
      if (message.type === 'ready') done();
      else if (message.type === 'load-failed') done(fromErrorData(message.error));
    };
    const onError = (error: unknown): void => {
      uncaught = error;
    };
    const onExit = (code: number): void => done(crashed(model, index, code, uncaught, 'while loading the model'));
    const onAbort = (): void => done(signal!.reason);
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function crashed(model: ModelSpec, index: number, code: number, uncaught: unknown, doing: string): VirnucproError {
  const reason = uncaught === undefined ? '' : `: ${uncaught instanceof Error ? uncaught.message : String(uncaught)}`;
  return new VirnucproError(
    'WORKER_CRASHED',
    `inference worker ${index} (${model.label} model) exited with code ${code} ${doing}${reason}`,
    {
      position: { file: model.file },
      hint:
        'a worker thread died (out of memory, or a native fault in onnxruntime); no partial results were kept and ' +
        'the pool does not restart workers. Try fewer workers or a smaller token budget',
      ...(uncaught === undefined ? {} : { cause: uncaught }),
    },
  );
}

interface Pending {
  readonly id: number;
  readonly batch: ModelBatch;
  readonly resolve: (result: Matrix) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
  /** Set when the caller aborted while a worker was running it: the reply is dropped. */
  abandoned: boolean;
}

interface Slot {
  readonly index: number;
  readonly worker: Worker;
  running: Pending | undefined;
  completed: number;
  alive: boolean;
  /** The uncaught error that killed the thread, reported with its exit. */
  uncaught: unknown;
}

export interface InferencePoolStats {
  /** Requests each worker has answered (successfully or with a model error). */
  readonly completed: readonly number[];
  /** Requests waiting for a free worker. */
  readonly queued: number;
}

/**
 * Worker threads that each hold ONE onnxruntime session for the same model and answer whole batches:
 * a padded token batch in, pooled float32 [rows, hiddenSize] out (encoders); float32 [n, width] in,
 * logits [n, 2] out (the classifier). Inputs and outputs move between threads as single transferred
 * buffers; errors come back as data and are rethrown as the original {@link VirnucproError}.
 *
 * Why plain worker_threads and not piscina (which the translate pool uses): a session is state loaded once
 * at start-up, and (1) start-up must report every worker's load error before any request, (2) a worker that
 * dies must fail exactly the request it held and stop the pool, while piscina silently replaces dead
 * workers (reloading a multi-GiB model, and usually dying again of the same out-of-memory), and (3) one
 * request per worker at a time is all the dispatch needed, a few dozen lines.
 *
 * Failure: a worker thread that exits or throws an uncaught error rejects its request with WORKER_CRASHED
 * (never partial rows) and breaks the pool: queued and later requests reject with the same error, requests
 * running on the other workers still finish. Workers are not restarted; close the pool and start another.
 * A model error (MODEL_RUN) fails only its request.
 *
 * **Memory:** the requests queued here are those callers submitted and still await; in a pipeline each holds
 * credit (docs/backpressure.md), so the pipeline's Credit bounds them. Per worker: one session (the weights)
 * plus one batch's activations.
 * **Order:** requests start in submission order; results resolve as workers finish.
 */
export class InferencePool<B extends ModelBatch = ModelBatch> implements InferenceBackend<B> {
  readonly model: ModelSpec;
  readonly workers: number;
  /** Columns of every result: the hidden size (encoders) or 2 (classifier). */
  readonly outputWidth: number;
  readonly #settings: SessionSettings;
  readonly #slots: Slot[];
  readonly #queue: Pending[] = [];
  #nextId = 0;
  #broken: VirnucproError | undefined;
  #closing: Promise<void> | undefined;

  /** @internal Use {@link startInferencePool}: the workers given here have loaded the model. */
  constructor(model: ModelSpec, threads: readonly Worker[], settings: SessionSettings) {
    this.model = model;
    this.workers = threads.length;
    this.outputWidth = outputWidth(model);
    this.#settings = settings;
    this.#slots = threads.map((worker, index) =>
      this.#watch({ index, worker, running: undefined, completed: 0, alive: true, uncaught: undefined }),
    );
  }

  /** The WORKER_CRASHED error that stopped the pool, if a worker died. */
  get broken(): VirnucproError | undefined {
    return this.#broken;
  }

  /** One request per worker at a time. */
  get concurrency(): number {
    return this.workers;
  }

  get paddedLengthMultiple(): number {
    return paddedLengthMultiple(this.#settings.executionProvider);
  }

  describe(): InferenceBackendDescription {
    const { executionProvider, deviceId, intraOpNumThreads, graphOptimizationLevel, allowSpinning } = this.#settings;
    return {
      backend: 'onnxruntime-workers',
      model: this.model.label,
      device: executionProvider === 'cuda' ? `cuda:${deviceId}` : executionProvider,
      concurrency: this.workers,
      details: { file: this.model.file, intraOpNumThreads, graphOptimizationLevel, allowSpinning },
    };
  }

  get stats(): InferencePoolStats {
    return { completed: this.#slots.map((slot) => slot.completed), queued: this.#queue.length };
  }

  /**
   * Runs one batch. Its buffer moves to a worker when the request starts: do not touch the batch after
   * calling this (its views read as empty once sent). An abort rejects at once with the signal's reason; a
   * batch already running finishes in its worker and its result is dropped.
   */
  run(batch: B, signal?: AbortSignal): Promise<Matrix> {
    if (this.#broken) return Promise.reject(this.#broken);
    if (this.#closing) return Promise.reject(new VirnucproError('INTERNAL', 'inference pool used after close()'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const expected = this.model.kind === 'embedding' ? 'tokens' : 'features';
    if (batch.kind !== expected) {
      return Promise.reject(new VirnucproError('INTERNAL', `the ${this.model.label} model takes ${expected} batches, not ${batch.kind}`));
    }
    if (batch.rows < 1 || batch.buffer.byteLength !== batchBytes(batch)) {
      return Promise.reject(
        new VirnucproError(
          'INTERNAL',
          `batch of ${batch.rows} rows has a ${batch.buffer.byteLength}-byte buffer, ` +
            `expected ${batchBytes(batch)} (was it already sent?)`,
        ),
      );
    }
    return new Promise<Matrix>((resolve, reject) => {
      const pending: Pending = {
        id: this.#nextId++,
        batch,
        resolve,
        reject,
        signal,
        abandoned: false,
        onAbort: () => this.#abort(pending),
      };
      signal?.addEventListener('abort', pending.onAbort, { once: true });
      this.#queue.push(pending);
      this.#dispatch();
    });
  }

  /**
   * Stops the pool: queued requests reject, requests already running finish and resolve, then each worker
   * releases its session and exits. Resolves when every thread has exited. Calling it again is harmless.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#failQueued(new VirnucproError('INTERNAL', 'inference pool closed before this batch ran'));
      await Promise.all(
        this.#slots.map(async (slot) => {
          if (!slot.alive) return;
          const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
          slot.worker.postMessage({ type: 'close' } satisfies ToWorker);
          await exited;
        }),
      );
    })();
    return this.#closing;
  }

  #watch(slot: Slot): Slot {
    slot.worker.on('message', (message: FromWorker) => this.#reply(slot, message));
    slot.worker.on('error', (error) => {
      slot.uncaught = error;
    });
    slot.worker.on('exit', (code) => this.#exited(slot, code));
    return slot;
  }

  #dispatch(): void {
    if (this.#broken) return;
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (!slot.alive || slot.running) continue;
      const pending = this.#queue.shift()!;
      const { batch } = pending;
      const request: RunRequest = { type: 'run', id: pending.id, rows: batch.rows, columns: batchColumns(batch), buffer: batch.buffer };
      try {
        slot.worker.postMessage(request satisfies ToWorker, [batch.buffer]);
      } catch (error) {
        this.#settle(pending, () =>
          pending.reject(
            new VirnucproError('INTERNAL', `cannot send the batch to a worker: ${(error as Error).message}`, { cause: error }),
          ),
        );
        continue;
      }
      slot.running = pending;
    }
  }

  #reply(slot: Slot, message: FromWorker): void {
    if (message.type !== 'result' && message.type !== 'failed') return;
    const pending = slot.running;
    slot.running = undefined;
    slot.completed += 1;
    if (pending && pending.id === message.id && !pending.abandoned) {
      if (message.type === 'failed') {
        this.#settle(pending, () => pending.reject(fromErrorData(message.error)));
      } else {
        const result: Matrix = { rows: message.rows, columns: message.columns, data: new Float32Array(message.buffer) };
        this.#settle(pending, () => pending.resolve(result));
      }
    }
    this.#dispatch();
  }

  #exited(slot: Slot, code: number): void {
    slot.alive = false;
    const running = slot.running;
    slot.running = undefined;
    // The normal end of close(): the worker answered its last request, released its session and returned.
    if (this.#closing && slot.uncaught === undefined && running === undefined) return;
    const doing = running ? `while running a batch of ${running.batch.rows} × ${batchColumns(running.batch)}` : 'while idle';
    const error = crashed(this.model, slot.index, code, slot.uncaught, doing);
    this.#broken ??= error;
    if (running && !running.abandoned) this.#settle(running, () => running.reject(error));
    this.#failQueued(this.#broken);
  }

  #abort(pending: Pending): void {
    const queued = this.#queue.indexOf(pending);
    if (queued >= 0) this.#queue.splice(queued, 1);
    else pending.abandoned = true;
    this.#settle(pending, () => pending.reject(pending.signal!.reason));
  }

  #failQueued(error: VirnucproError): void {
    for (const pending of this.#queue.splice(0)) this.#settle(pending, () => pending.reject(error));
  }

  /** Detaches the abort listener, then settles. */
  #settle(pending: Pending, settle: () => void): void {
    pending.signal?.removeEventListener('abort', pending.onAbort);
    settle();
  }
}
