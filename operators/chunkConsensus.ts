import { Observable, type OperatorFunction } from 'rxjs';
import type { Leased } from '../src/flow/credit.js';
import type { ClassifiedFrames } from '../src/classify/classification.js';
import { chunkConsensusTable, type ConsensusRows } from '../src/classify/consensus.js';

export interface ChunkConsensusOptions {
  /** Aborting errors the stream with the signal's reason (at the next batch). */
  readonly signal?: AbortSignal;
}

/**
 * The original's per-CHUNK call (spec §7): for every chunk that kept at least one frame, max score1 and max
 * score2 over its frames, viral iff max score2 ≥ max score1 (a tie is viral). Chunks without kept frames
 * give no row. Frames of a chunk always travel in one batch, so this is a synchronous map.
 *
 * @example
 * import { classifyFrames, chunkConsensus } from 'virnucpro/operators';
 * const results$ = embedded$.pipe(classifyFrames({ model: bundle.classifier }), chunkConsensus());
 * // batch.consensus: chunk, frameStarts, maxScore1, maxScore2 (isViralChunk(max1, max2))
 *
 * @param options.signal aborts the stream.
 *
 * Memory: 16 B per chunk row on top of the batch; nothing held between batches.
 * Order: batches in input order, each with its lease; rows in frame order (chunk order within a batch).
 * Duplicate read ids give separate rows here; the `-o DIR` consensus file merges them like the original's
 * pandas groupby (src/output/consensusSort.ts).
 * @see ../src/classify/consensus.ts, classifyFrames, spec section 7
 */
export function chunkConsensus<B extends ClassifiedFrames & Leased>(
  options: ChunkConsensusOptions = {},
): OperatorFunction<B, B & ConsensusRows> {
  const { signal } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError('options.signal must be an AbortSignal');
  return function chunkConsensusOperator(source) {
    return new Observable<B & ConsensusRows>((subscriber) =>
      source.subscribe({
        next(batch) {
          if (signal?.aborted) {
            batch.lease.release();
            return subscriber.error(signal.reason);
          }
          let consensus;
          try {
            consensus = chunkConsensusTable(batch);
          } catch (error) {
            batch.lease.release();
            return subscriber.error(error);
          }
          subscriber.next({ ...batch, consensus });
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
  };
}
