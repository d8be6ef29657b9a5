import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { VirnucproError, fromErrorData, type ErrorData } from '../errors.js';
import { chunkNames, type ChunkBatch } from './chunkBatch.js';
import type { FrameTextFormat } from './formatFrames.js';
import { translateChunkBatch, type FrameBatch, type FrameTextBatch } from './frameBatch.js';
import { decodeFrames, decodeTexts, packTask, type TranslateTask } from './translateWire.js';

/**
 * Default upper bound on translate threads. One thread identifies frames of ~0.6 M 150-bp reads/s even on
 * a loaded 2-core machine (bench/micro/translate.bench.ts), about what the main thread parses and formats,
 * so threads beyond a few only add memory: each costs ~10 MiB of heap plus a frame builder as large as the
 * largest batch's kept frames.
 */
const MAX_DEFAULT_THREADS = 4;

export interface TranslatePoolOptions {
  /** Worker threads (integer ≥ 1). Default: min(available cores, 4). */
  readonly threads?: number;
}

export const DEFAULT_TRANSLATE_POOL: Required<TranslatePoolOptions> = {
  threads: Math.min(availableParallelism(), MAX_DEFAULT_THREADS),
};

/** Checks `options.threads` (the name the operators expose too). */
export function resolveThreads(threads: number | undefined): number {
  const value = threads ?? DEFAULT_TRANSLATE_POOL.threads;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`options.threads must be an integer >= 1 (got ${String(threads)})`);
  }
  return value;
}

/** CommonJS: translateWorkerEntry.cts says why. */
const WORKER = new URL('./translateWorkerEntry.cjs', import.meta.url).href;

/** Per-call options of {@link TranslatePool}. */
export interface TranslateBatchOptions {
  /**
   * Send the batch's own bases buffer to the worker instead of a copy, when the batch owns it
   * (`batch.ownsBases`). The buffer is then detached on this thread: every view of it, the record batch's
   * `bases` included, reads as empty. Default false.
   */
  readonly transferBases?: boolean;
}

/**
 * Worker threads that run six-frame identification on whole chunk batches (never per record). A batch
 * travels as transferred ArrayBuffers each way, moved, not copied; worker errors come back as data and are
 * rethrown here as the original {@link VirnucproError}. The worker can also write the kept frames as text
 * ({@link translateText}), so that a command which only prints them leaves the main thread nothing to format.
 *
 * @example
 * const pool = new TranslatePool({ threads: 2 });
 * const frames = await pool.translate(chunkRecordBatch(records, 500));
 * await pool.destroy();
 */
export class TranslatePool {
  readonly threads: number;
  readonly #pool: Piscina<TranslateTask, ArrayBuffer | ErrorData>;
  #destroyed = false;
  /** An error piscina reported outside any task; the next run fails with it. */
  #poolError: Error | undefined;

  /** Starts the threads at once. */
  constructor(options: TranslatePoolOptions = {}) {
    this.threads = resolveThreads(options.threads);
    this.#pool = new Piscina({ filename: WORKER, minThreads: this.threads, maxThreads: this.threads });
    // piscina emits 'error' for a reply whose task it no longer knows: after destroy() a task that was still
    // running answers a rejected task (seen in CI under load). With no listener that event is an uncaught
    // exception that takes the process down; after destroy() it is expected and dropped.
    this.#pool.on('error', (error: Error) => {
      if (!this.#destroyed) this.#poolError ??= error;
    });
  }

  /** The kept frames of `batch`. An empty batch is answered without a round trip. */
  async translate(batch: ChunkBatch, signal?: AbortSignal, options: TranslateBatchOptions = {}): Promise<FrameBatch> {
    if (batch.count === 0) return translateChunkBatch(batch);
    const table = decodeFrames(await this.#run(batch, [], signal, options));
    return { ...table, chunks: chunkNames(batch) };
  }

  /**
   * The kept frames of `batch` written by the worker in each of `formats`, byte for byte as the calling
   * thread's formatters would write them.
   */
  async translateText<F extends FrameTextFormat>(
    batch: ChunkBatch,
    formats: readonly F[],
    signal?: AbortSignal,
    options: TranslateBatchOptions = {},
  ): Promise<FrameTextBatch<F>> {
    if (formats.length === 0) throw new TypeError('formats must name at least one text format');
    if (batch.count === 0) {
      const text = {} as Record<F, Uint8Array>;
      for (const format of formats) text[format] = new Uint8Array(0);
      return { count: 0, chunks: chunkNames(batch), text };
    }
    const { count, text } = decodeTexts(await this.#run(batch, formats, signal, options), formats);
    return { count, chunks: chunkNames(batch), text };
  }

  /**
   * Posts one task and waits for its reply. The task's buffers are transferred: once it has been posted,
   * their `byteLength` is 0 here.
   *
   * Aborting rejects at once with the signal's reason but lets a task already queued or running finish
   * (a few milliseconds) and drops its reply: piscina's own abort terminates the thread, and a thread
   * terminated that way just before destroy() is replaced after it (piscina 5.3.2), leaking threads.
   */
  async #run(
    batch: ChunkBatch,
    formats: readonly FrameTextFormat[],
    signal: AbortSignal | undefined,
    options: TranslateBatchOptions,
  ): Promise<ArrayBuffer> {
    if (this.#destroyed) throw new VirnucproError('INTERNAL', 'translate pool used after destroy()');
    if (this.#poolError)
      throw new VirnucproError('WORKER_CRASHED', `translate worker pool failed: ${this.#poolError.message}`, { cause: this.#poolError });
    if (signal?.aborted) throw signal.reason;
    const task = packTask(batch, formats, options.transferBases === true && batch.ownsBases === true);
    let reply: ArrayBuffer | ErrorData;
    try {
      const running = this.#pool.run(task, { transferList: [task.tables, task.bases] });
      reply = await (signal ? untilAborted(running, signal) : running);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new VirnucproError('WORKER_CRASHED', `translate worker failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
        hint: 'a worker thread died (out of memory?); try fewer -j/--threads or smaller batches',
      });
    }
    if (reply instanceof ArrayBuffer) return reply;
    throw fromErrorData(reply);
  }

  /** Stops the threads; tasks still queued are rejected. Further calls reject. */
  async destroy(): Promise<void> {
    this.#destroyed = true;
    await this.#pool.destroy();
  }
}

/** `task`, or the signal's reason if it aborts first (the task's own outcome is then ignored). */
function untilAborted<T>(task: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    task.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
