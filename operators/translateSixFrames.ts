import { setMaxListeners } from 'node:events';
import { Observable, type OperatorFunction } from 'rxjs';
import type { Leased } from '../src/flow/credit.js';
import { mapInOrder } from '../src/flow/mapInOrder.js';
import type { ChunkBatch } from '../src/sequence/chunkBatch.js';
import type { FrameBatch } from '../src/sequence/frameBatch.js';
import { DEFAULT_TRANSLATE_POOL, TranslatePool, resolveThreads } from '../src/sequence/translatePool.js';

export interface TranslateSixFramesOptions {
  /** A pool to run on (shared between pipelines); the operator never destroys it. Default: its own pool. */
  readonly pool?: TranslatePool;
  /** Threads of the operator's own pool; not with `pool`. Default min(available cores, 4). */
  readonly threads?: number;
  /** Aborting errors the stream with its reason at once (batches already in the pool finish and are dropped). */
  readonly signal?: AbortSignal;
}

export const DEFAULT_TRANSLATE_SIX_FRAMES = {
  threads: DEFAULT_TRANSLATE_POOL.threads,
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
 * @param options.signal aborts the work in flight.
 *
 * Memory: every batch goes to the pool as it arrives (several threads busy at once); batches in flight and
 * the reorder buffer are bounded by the pipeline's credit, because each still holds its lease. Per batch in
 * flight: one packed copy of its bases, then its kept frames (≤ 6 per chunk). No queue of its own.
 * Order: output batches in input order (mapInOrder), frames in chunk order then F1..R3. Each output carries
 * its input's lease.
 * @see ../src/sequence/sixFrames.ts for the kernel, ../src/sequence/translatePool.ts, spec sections 3-4
 */
export function translateSixFrames(options: TranslateSixFramesOptions = {}): OperatorFunction<ChunkBatch & Leased, FrameBatch & Leased> {
  const { pool: sharedPool, signal } = options;
  if (sharedPool !== undefined && options.threads !== undefined) {
    throw new TypeError('options.threads cannot be combined with options.pool (the pool has its own threads)');
  }
  const threads = sharedPool === undefined ? resolveThreads(options.threads ?? DEFAULT_TRANSLATE_SIX_FRAMES.threads) : undefined;

  return function translateSixFramesOperator(source) {
    return new Observable<FrameBatch & Leased>((subscriber) => {
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
            const frames = await pool.translate(batch, workSignal);
            return { ...frames, lease: batch.lease };
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
