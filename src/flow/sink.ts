import type { Observable } from 'rxjs';
import type { Writable } from 'node:stream';
import type { Leased } from './credit.js';

/**
 * Consumes a pipeline: calls `handle` for each batch, one at a time and in order, and releases the batch's
 * credit when `handle` has returned (or its promise has resolved). This is what lets the source read on.
 * Resolves when the stream completes; rejects with the first error (the pipeline is then unsubscribed).
 *
 * Memory: batches wait in a FIFO until `handle` is free; that FIFO only holds batches that carry credit.
 */
export function consumeBatches<B extends Leased>(
  source: Observable<B>,
  handle: (batch: B) => void | Promise<void>,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const queue: B[] = [];
    let running = false;
    let sourceDone = false;
    let failed = false;

    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      subscription?.unsubscribe();
      options.signal?.removeEventListener('abort', onAbort);
      reject(error);
    };
    const onAbort = (): void => fail(options.signal?.reason);

    const pump = async (): Promise<void> => {
      running = true;
      while (queue.length > 0 && !failed) {
        const batch = queue.shift()!;
        try {
          await handle(batch);
        } catch (error) {
          fail(error);
          return;
        } finally {
          batch.lease.release();
        }
      }
      running = false;
      if (sourceDone && !failed) {
        options.signal?.removeEventListener('abort', onAbort);
        resolve();
      }
    };

    options.signal?.addEventListener('abort', onAbort, { once: true });
    let subscription: { unsubscribe(): void } | undefined;
    subscription = source.subscribe({
      next(batch) {
        queue.push(batch);
        if (!running) void pump();
      },
      error: fail,
      complete() {
        sourceDone = true;
        if (!running) void pump();
      },
    });
    if (options.signal?.aborted) onAbort();
  });
}

/**
 * Writes each batch's bytes to `out`, releasing the batch's credit only once the stream has accepted the
 * bytes (its write callback). A slow reader of `out` therefore holds credit and stops the source: the
 * stream's own buffer is bounded by the pipeline's credit.
 */
export function writeBatches<B extends Leased>(
  source: Observable<B>,
  out: Writable,
  format: (batch: B) => Uint8Array | string,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  return consumeBatches(
    source,
    (batch) =>
      new Promise<void>((resolve, reject) => {
        const bytes = format(batch);
        if (bytes.length === 0) return resolve();
        out.write(bytes, (error) => (error ? reject(error) : resolve()));
      }),
    options,
  );
}
