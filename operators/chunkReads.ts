import { setMaxListeners } from 'node:events';
import { Observable, type OperatorFunction } from 'rxjs';
import type { Leased } from '../src/flow/credit.js';
import { CHUNK_LENGTHS, type ChunkLength } from '../src/model/manifest.js';
import { chunkBatchUnits, chunkRecordBatch, splitChunkBatch, type ChunkBatch } from '../src/sequence/chunkBatch.js';
import { LeaseOrderedQueue } from '../src/sequence/leaseOrderedQueue.js';
import type { FastaBatch } from './readFasta.js';

/** The window lengths the published classifiers were trained on (300_model.pth, 500_model.pth): the manifest's. */
export type { ChunkLength };

/**
 * Most chunks per emitted batch. A default readFasta batch (≤ 4 096 records) of reads of up to two chunks
 * stays whole; a giant record is cut into parts of ≤ 8 192 × 500 bp = 4 MiB of chunk bases, i.e. one
 * worker task of ≤ 4 MiB in and at most ~31 MiB of kept frames out (all six frames of every chunk kept;
 * random DNA keeps far fewer).
 */
const DEFAULT_MAX_BATCH_CHUNKS = 8192;

export interface ChunkReadsOptions {
  /** Window length in bases, 300 or 500 (match the model). Default 500. */
  readonly chunkLength?: ChunkLength;
  /** Most chunks per emitted batch (integer ≥ 1); larger batches are split. Default 8192. */
  readonly maxBatchChunks?: number;
  /** Aborting errors the stream with its reason (at once while waiting for credit, else at the next batch). */
  readonly signal?: AbortSignal;
}

export const DEFAULT_CHUNK_READS = {
  chunkLength: 500,
  maxBatchChunks: DEFAULT_MAX_BATCH_CHUNKS,
} as const satisfies ChunkReadsOptions;

/**
 * Cuts every read into the original VirNucPro's overlapping windows (`<id>_chunk_<k>`, quirks kept: the
 * last window of a read is often shorter than `chunkLength`, a read shorter than it is one chunk).
 *
 * @example
 * import { readFasta, chunkReads } from 'virnucpro/operators';
 * const chunks$ = readFasta('reads.fa').pipe(chunkReads({ chunkLength: 300 }));
 * await writeBatches(chunks$, process.stdout, formatChunksFasta);
 *
 * @param options.chunkLength window length in bases, 300 or 500; default 500.
 * @param options.maxBatchChunks most chunks per emitted batch; default 8 192 (≤ 4 MiB of chunk bases).
 * @param options.signal aborts the stream.
 *
 * Memory: chunks are views on the record batch (offset tables only: 16 bytes per chunk). A batch that
 * gives more than maxBatchChunks chunks is emitted in parts; the first keeps the batch's lease, each further
 * part first acquires its own lease from the same credit (FIFO, before the source's next batch), so all
 * parts stay within the pipeline's credit. Parts wait in an ordered queue holding only such parts.
 * Order: chunks in read order, then k; batches and parts in input order. Every output carries a lease
 * the sink must release.
 * @see ../src/sequence/chunking.ts for the boundaries, spec section 2, docs/backpressure.md
 */
export function chunkReads(options: ChunkReadsOptions = {}): OperatorFunction<FastaBatch, ChunkBatch & Leased> {
  const chunkLength = options.chunkLength ?? DEFAULT_CHUNK_READS.chunkLength;
  if (!(CHUNK_LENGTHS as readonly number[]).includes(chunkLength)) {
    throw new TypeError(`options.chunkLength must be 300 or 500, the lengths the models were trained on (got ${String(chunkLength)})`);
  }
  const maxBatchChunks = options.maxBatchChunks ?? DEFAULT_CHUNK_READS.maxBatchChunks;
  if (!Number.isSafeInteger(maxBatchChunks) || maxBatchChunks < 1) {
    throw new TypeError(`options.maxBatchChunks must be an integer >= 1 (got ${String(maxBatchChunks)})`);
  }
  const { signal } = options;

  return function chunkReadsOperator(source) {
    return new Observable<ChunkBatch & Leased>((subscriber) => {
      const teardown = new AbortController();
      const waitSignal = signal ? AbortSignal.any([signal, teardown.signal]) : teardown.signal;
      // Each part waiting for credit listens to it (a 100-Mbp record has 25 parts at the default).
      setMaxListeners(0, waitSignal);
      let sourceDone = false;
      const queue = new LeaseOrderedQueue<ChunkBatch>({
        next: (batch) => subscriber.next(batch),
        error: (error) => subscriber.error(error),
        drained: () => sourceDone && subscriber.complete(),
      });
      const subscription = source.subscribe({
        next(batch) {
          if (signal?.aborted) {
            batch.lease.release();
            return subscriber.error(signal.reason);
          }
          const [first, ...rest] = splitChunkBatch(chunkRecordBatch(batch, chunkLength), maxBatchChunks);
          queue.push(first!, batch.lease);
          for (const part of rest) queue.push(part, batch.lease.credit.acquire(chunkBatchUnits(part), waitSignal));
        },
        error: (error: unknown) => subscriber.error(error),
        complete() {
          sourceDone = true;
          if (queue.size === 0) subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        teardown.abort(new Error('unsubscribed'));
        queue.close();
      };
    });
  };
}
