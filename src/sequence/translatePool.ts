import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { VirnucproError, fromErrorData, type ErrorData } from '../errors.js';
import { chunkNames, type ChunkBatch } from './chunkBatch.js';
import { translateChunkBatch, type FrameBatch } from './frameBatch.js';
import type { FrameTable } from './sixFrames.js';
import { decodeFrames, packChunks } from './translateWire.js';

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

const WORKER = new URL('./translateWorker.js', import.meta.url).href;

/**
 * Worker threads that run six-frame identification on whole chunk batches (never per record). A batch
 * travels as one ArrayBuffer each way, moved, not copied, through the transfer list; worker errors come
 * back as data and are rethrown here as the original {@link VirnucproError}.
 *
 * @example
 * const pool = new TranslatePool({ threads: 2 });
 * const frames = await pool.translate(chunkRecordBatch(records, 500));
 * await pool.destroy();
 */
export class TranslatePool {
  readonly threads: number;
  readonly #pool: Piscina<ArrayBuffer, ArrayBuffer | ErrorData>;
  #destroyed = false;

  /** Starts the threads at once. */
  constructor(options: TranslatePoolOptions = {}) {
    this.threads = resolveThreads(options.threads);
    this.#pool = new Piscina({ filename: WORKER, minThreads: this.threads, maxThreads: this.threads });
  }

  /** The kept frames of `batch`. An empty batch is answered without a round trip. */
  async translate(batch: ChunkBatch, signal?: AbortSignal): Promise<FrameBatch> {
    if (batch.count === 0) return translateChunkBatch(batch);
    const table = await this.translatePacked(packChunks(batch), signal);
    return { ...table, chunks: chunkNames(batch) };
  }

  /**
   * Translates a buffer made by `packChunks`. The buffer is transferred: once the task has been posted to
   * a thread, `packed.byteLength` is 0 here.
   *
   * Aborting rejects at once with the signal's reason but lets a task already queued or running finish
   * (a few milliseconds) and drops its reply: piscina's own abort terminates the thread, and a thread
   * terminated that way just before destroy() is replaced after it (piscina 5.3.2), leaking threads.
   */
  async translatePacked(packed: ArrayBuffer, signal?: AbortSignal): Promise<FrameTable> {
    if (this.#destroyed) throw new VirnucproError('INTERNAL', 'translate pool used after destroy()');
    if (signal?.aborted) throw signal.reason;
    let reply: ArrayBuffer | ErrorData;
    try {
      const task = this.#pool.run(packed, { transferList: [packed] });
      reply = await (signal ? untilAborted(task, signal) : task);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new VirnucproError('WORKER_CRASHED', `translate worker failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
        hint: 'a worker thread died (out of memory?); try fewer -j/--threads or smaller batches',
      });
    }
    if (reply instanceof ArrayBuffer) return decodeFrames(reply);
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
