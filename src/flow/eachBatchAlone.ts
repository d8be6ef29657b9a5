import { lastValueFrom, of, type OperatorFunction } from 'rxjs';
import { Credit } from './credit.js';
import { mapInOrder } from './mapInOrder.js';

/**
 * Runs `operator` on each batch on its own (`inFlight` batches at a time, results in order): whatever the
 * operator gathers across batches (an embedding packer's window) then only ever holds one batch's rows.
 * Across batches a packer also cuts when the pipeline stalls or input lingers, i.e. at moments that depend on
 * timing, and a row's embedding changes with the rows it is padded with (float noise, a last digit); per
 * batch, the same input gives the same bytes on every run.
 *
 * Memory: none of its own (the batches in flight hold their credit).
 * Errors: the first failure errors the stream and aborts the batches still running (their `stop` signal).
 */
export function eachBatchAlone<B, O>(
  operator: (stop: AbortSignal) => OperatorFunction<B, O>,
  options: { readonly inFlight: number; readonly signal?: AbortSignal | undefined },
): OperatorFunction<B, O> {
  if (!Number.isSafeInteger(options.inFlight) || options.inFlight < 1) {
    throw new TypeError(`options.inFlight must be an integer >= 1 (got ${String(options.inFlight)})`);
  }
  return (source) => {
    const slots = new Credit(options.inFlight, 'eachBatchAlone');
    return source.pipe(
      mapInOrder(async (batch: B, failed: AbortSignal) => {
        const stop = options.signal ? AbortSignal.any([options.signal, failed]) : failed;
        const slot = await slots.acquire(1, stop);
        try {
          return await lastValueFrom(of(batch).pipe(operator(stop)));
        } finally {
          slot.release();
        }
      }),
    );
  };
}
