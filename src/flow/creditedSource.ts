import { Observable } from 'rxjs';
import { Credit, type Lease, type Leased } from './credit.js';

export interface CreditedSourceOptions<T, B extends Leased> {
  /** The pipeline's window. Created by the caller so several sources or later stages can share it. */
  readonly credit: Credit;
  /** Credit units an item costs (see docs/backpressure.md for the unit each source uses). */
  readonly weight: (item: T) => number;
  /** Builds the emitted batch from the item and the lease that now pays for it. */
  readonly attach: (item: T, lease: Lease) => B;
  readonly signal?: AbortSignal;
}

/**
 * Turns a pull-based async iterable into an Observable that pulls only when credit is available, the entry
 * point of every virnucpro pipeline. `from(asyncIterable)` would pull as fast as the iterable yields.
 *
 * The iterable factory is called on subscribe (nothing is read before), one item is read ahead of the credit
 * (its weight must be known before it can be paid for), and unsubscribing stops the pull loop and closes the
 * iterator (`return()`), which closes files.
 */
export function creditedSource<T, B extends Leased>(open: () => AsyncIterable<T>, options: CreditedSourceOptions<T, B>): Observable<B> {
  const { credit, weight, attach, signal } = options;
  return new Observable<B>(function creditedSourceSubscribe(subscriber) {
    const stop = new AbortController();
    const onOuterAbort = (): void => stop.abort(signal?.reason);
    signal?.addEventListener('abort', onOuterAbort, { once: true });
    if (signal?.aborted) stop.abort(signal.reason);

    void (async () => {
      const iterator = open()[Symbol.asyncIterator]();
      try {
        for (;;) {
          if (stop.signal.aborted) {
            if (!subscriber.closed) subscriber.error(stop.signal.reason);
            return;
          }
          const step = await iterator.next();
          if (step.done) break;
          const lease = await credit.acquire(weight(step.value), stop.signal);
          if (subscriber.closed) {
            lease.release();
            return;
          }
          subscriber.next(attach(step.value, lease));
        }
        subscriber.complete();
      } catch (error) {
        if (!subscriber.closed) subscriber.error(error);
      } finally {
        signal?.removeEventListener('abort', onOuterAbort);
        await iterator.return?.().catch(() => undefined);
      }
    })();

    return () => stop.abort(new Error('unsubscribed'));
  });
}
