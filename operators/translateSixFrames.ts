import { setMaxListeners } from 'node:events';
import { Observable, type OperatorFunction } from 'rxjs';
import type { Leased } from '../src/flow/credit.js';
import { mapInOrder } from '../src/flow/mapInOrder.js';
import type { ChunkBatch } from '../src/sequence/chunkBatch.js';
import type { FrameBatch } from '../src/sequence/frameBatch.js';
import { DEFAULT_TRANSLATE_POOL, TranslatePool, resolveThreads, type TranslateBatchOptions } from '../src/sequence/translatePool.js';

export interface TranslateSixFramesOptions {
  /** A pool to run on (shared between pipelines); the operator never destroys it. Default: its own pool. */
  readonly pool?: TranslatePool;
  /** Threads of the operator's own pool; not with `pool`. Default min(available cores, 4). */
  readonly threads?: number;
  /**
   * Move each batch's bases buffer to the worker instead of copying it, for batches that own theirs (every
   * batch readFasta → chunkReads makes, unless split into parts). Set it when nothing reads the records'
   * bases after this stage: they read as empty afterwards. Default false.
   */
  readonly transferBases?: boolean;
  /** Aborting errors the stream with its reason at once (batches already in the pool finish and are dropped). */
  readonly signal?: AbortSignal;
}

export const DEFAULT_TRANSLATE_SIX_FRAMES = {
  threads: DEFAULT_TRANSLATE_POOL.threads,
  transferBases: false,
} as const satisfies TranslateSixFramesOptions;

/**
 * Six-frame identification of every chunk on worker threads (spec sections 3-4): keeps the frames whose
 * protein is not empty and has no stop, with the original's nucleotide slice.
 *
 * @example
 * import { readFasta, chunkReads, translateSixFrames } from 'virnucpro/operators';
 * const frames$ = readFasta('reads.fa').pipe(chunkReads(), translateSixFrames({ threads: 2 }));
 * await writeBatches(frames$, process.stdout, formatFramesTsv);
 *
 * @param options.pool pool to use; default: one of `threads` threads, started on subscribe and destroyed
 *   on complete, error or unsubscribe.
 * @param options.threads threads of the operator's own pool; default min(available cores, 4).
 * @param options.transferBases move batches' bases to the workers instead of copying them; default false.
 * @param options.signal aborts the work in flight.
 *
 * Memory: every batch goes to the pool as it arrives (several threads busy at once); batches in flight and
 * the reorder buffer are bounded by the pipeline's credit, because each still holds its lease. Per batch in
 * flight: its bases (moved, or one copy of the covered span), then its kept frames (≤ 6 per chunk). No queue
 * of its own.
 * Order: output batches in input order (mapInOrder), frames in chunk order then F1..R3. Each output carries
 * its input's lease.
 * @see translateSixFramesText to get the frames already written as TSV/FASTA, ../src/sequence/sixFrames.ts
 *   for the kernel, ../src/sequence/translatePool.ts, spec sections 3-4
 */
export function translateSixFrames(options: TranslateSixFramesOptions = {}): OperatorFunction<ChunkBatch & Leased, FrameBatch & Leased> {
  return translateOnPool(options, (pool, batch, signal, call) => pool.translate(batch, signal, call));
}

/**
 * @internal The operator body shared with translateSixFramesText: validates the options, runs `translate`
 * on every batch on the operator's pool (its own, or `options.pool`), and emits results in input order with
 * their input's lease. The two operators differ only in what they ask the pool for.
 */
export function translateOnPool<R extends object>(
  options: TranslateSixFramesOptions,
  translate: (pool: TranslatePool, batch: ChunkBatch, signal: AbortSignal, call: TranslateBatchOptions) => Promise<R>,
): OperatorFunction<ChunkBatch & Leased, R & Leased> {
  const { pool: sharedPool, signal } = options;
  if (sharedPool !== undefined && options.threads !== undefined) {
    throw new TypeError('options.threads cannot be combined with options.pool (the pool has its own threads)');
  }
  const threads = sharedPool === undefined ? resolveThreads(options.threads ?? DEFAULT_TRANSLATE_SIX_FRAMES.threads) : undefined;
  if (options.transferBases !== undefined && typeof options.transferBases !== 'boolean') {
    throw new TypeError(`options.transferBases must be a boolean (got ${String(options.transferBases)})`);
  }
  const call: TranslateBatchOptions = { transferBases: options.transferBases ?? DEFAULT_TRANSLATE_SIX_FRAMES.transferBases };

  return function translateSixFramesOperator(source) {
    return new Observable<R & Leased>((subscriber) => {
      const ownPool = sharedPool === undefined ? new TranslatePool({ threads }) : undefined;
      const pool = sharedPool ?? ownPool!;
      let workSignal: AbortSignal | undefined;
      const subscription = source
        .pipe(
          mapInOrder(async (batch: ChunkBatch & Leased, stop: AbortSignal) => {
            if (workSignal === undefined) {
              workSignal = signal ? AbortSignal.any([signal, stop]) : stop;
              setMaxListeners(0, workSignal); // one listener per batch in flight, bounded by the credit
            }
            return { ...(await translate(pool, batch, workSignal, call)), lease: batch.lease };
          }),
        )
        .subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        void ownPool?.destroy();
      };
    });
  };
}
