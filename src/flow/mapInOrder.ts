import { Observable, type OperatorFunction } from 'rxjs';

/**
 * Runs `work` on every item as soon as it arrives (so a worker pool sees several batches at once) and emits
 * the results in arrival order through a reorder buffer.
 *
 * Memory: the reorder buffer and the work in flight hold only items that still carry their credit lease, so
 * both are bounded by the pipeline's {@link Credit}; this operator adds no queue of its own.
 * Errors: the first failure errors the stream and aborts the work still running (through `signal`).
 */
export function mapInOrder<A, B>(work: (item: A, signal: AbortSignal) => Promise<B>): OperatorFunction<A, B> {
  return function mapInOrderOperator(source) {
    return new Observable<B>((subscriber) => {
      const abort = new AbortController();
      const results = new Map<number, B>();
      let nextIn = 0;
      let nextOut = 0;
      let sourceDone = false;

      const flush = (): void => {
        while (results.has(nextOut)) {
          const value = results.get(nextOut)!;
          results.delete(nextOut);
          nextOut += 1;
          subscriber.next(value);
        }
        if (sourceDone && nextOut === nextIn) subscriber.complete();
      };

      const subscription = source.subscribe({
        next(item) {
          const index = nextIn++;
          work(item, abort.signal).then(
            (result) => {
              if (subscriber.closed) return;
              results.set(index, result);
              flush();
            },
            (error: unknown) => {
              if (!subscriber.closed) subscriber.error(error);
              abort.abort(error);
            },
          );
        },
        error(error: unknown) {
          subscriber.error(error);
        },
        complete() {
          sourceDone = true;
          flush();
        },
      });

      return () => {
        subscription.unsubscribe();
        results.clear();
        abort.abort(new Error('unsubscribed'));
      };
    });
  };
}
