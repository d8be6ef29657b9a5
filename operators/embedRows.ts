import { Observable, type OperatorFunction } from 'rxjs';
import { resolveEmbedOptions, type EmbedOptions, type ResolvedEmbedOptions } from '../src/embed/embedOptions.js';
import { EmbeddingEngine } from '../src/embed/embeddingEngine.js';
import type { RowSelector } from '../src/embed/rowSelector.js';
import type { Leased } from '../src/flow/credit.js';
import type { TokenBatch } from '../src/model/batches.js';
import type { InferenceBackend } from '../src/model/inferenceBackend.js';
import { startInferencePool } from '../src/model/inferencePool.js';

/**
 * Embeds one row per item of each batch (`rows` says which bytes) with a token encoder, and emits every
 * batch with its float32 [rows, hidden] matrix added by `attach`. The one implementation behind
 * embedNucleotides, embedProteins and embedSequences; use it directly for a batch type of your own.
 *
 * Each batch's rows are tokenized on arrival and packed by token length into padded batches under
 * `tokenBudget`; packs run on the inference pool and their pooled rows are scattered back into their batch's
 * matrix (row i = row i of the batch), so results equal one-at-a-time embeddings to float noise. The window
 * is cut when full, at the end, when upstream is stalled on credit and no pack runs, and after `lingerMs`
 * without input while no pack runs (docs/backpressure.md).
 *
 * @example
 * import { embedRows } from 'virnucpro/operators';
 * batches.pipe(embedRows(RECORD_SEQUENCES, (b, embeddings, hidden) => ({ ...b, embeddings, hidden }), { tokenizer, pool }));
 *
 * @param rows which bytes of a batch are the rows (FRAME_NUCLEOTIDES, FRAME_PROTEINS, RECORD_SEQUENCES, or yours).
 * @param attach builds the output batch from the input, its matrix and the hidden size.
 * @param options.tokenizer the model's tokenizer (required).
 * @param options.pool a started pool, left running; or options.model (+ options.poolOptions): a pool started on
 *   subscribe and closed on complete, error or unsubscribe.
 * @param options.padId padding id; default the tokenizer's (`<pad>` 1, `[PAD]` 3).
 * @param options.maxTokens longest row in tokens; default the model's `maxTokens`, else none.
 * @param options.tokenBudget padded tokens per pack; default 16 384. @param options.window rows per sort; default
 *   8 192. @param options.maxRows rows per pack; default no cap. @param options.packing instead of those three:
 *   packing resolved ahead (a run plan's), taken as it is at the backend's padding multiple.
 * @param options.maxInFlight packs at the pool at once; default workers × 2.
 * @param options.lingerMs idle time before a partial window is cut, in ms; default 100.
 * @param options.stats a PackingStats to fill. @param options.signal aborts the stream.
 *
 * Memory: rows held ≤ window + cut packs not yet sent + maxInFlight packs, all belonging to batches that hold
 * their credit lease (the pipeline's Credit bounds them). Per held batch: its token ids (4 B a token) and,
 * from its first result, its matrix (4 B × hidden a row: 3 KiB a DNABERT-S row, 10 KiB an ESM-2 3B row); per
 * pack in flight ≤ 16 B × tokenBudget of ids and mask (256 KiB at the default). No queue of its own beyond that.
 * Order: batches leave in input order (zero-row batches too), each with its input's lease.
 * @see ../src/embed/embeddingEngine.ts, docs/adr/0004-embedding-stage.md, docs/adr/0003-token-budget-packing.md
 */
export function embedRows<B extends Leased, O>(
  rows: RowSelector<B>,
  attach: (batch: B, embeddings: Float32Array, hiddenSize: number) => O,
  options: EmbedOptions | ResolvedEmbedOptions,
): OperatorFunction<B, O> {
  if (typeof rows?.rows !== 'function' || typeof rows.position !== 'function') throw new TypeError('rows must be a RowSelector');
  if (typeof attach !== 'function') throw new TypeError('attach must be a function');
  const resolved = resolveEmbedOptions(options);
  const { signal, hiddenSize } = resolved;

  return function embedRowsOperator(source) {
    return new Observable<O>((subscriber) => {
      const teardown = new AbortController();
      const own = 'model' in resolved.pool ? resolved.pool : undefined;
      const pool: Promise<InferenceBackend<TokenBatch>> =
        'started' in resolved.pool
          ? Promise.resolve(resolved.pool.started)
          : startInferencePool(resolved.pool.model, {
              ...resolved.pool.options,
              signal: resolved.pool.options.signal ? AbortSignal.any([resolved.pool.options.signal, teardown.signal]) : teardown.signal,
            });
      const engine = new EmbeddingEngine<B>(
        { ...resolved, rows, run: (batch, stop) => pool.then((started) => started.run(batch, stop)) },
        {
          next: (batch, embeddings) => subscriber.next(attach(batch, embeddings, hiddenSize)),
          error: (error) => subscriber.error(error),
          // Completes once its pool has started: a model that fails to load errors even an empty input.
          complete: () =>
            void pool.then(
              () => subscriber.complete(),
              () => undefined,
            ),
        },
      );
      const fail = (error: unknown): void => {
        engine.close();
        subscriber.error(error);
      };
      pool.catch((error: unknown) => {
        if (!teardown.signal.aborted) fail(error);
      });
      const onAbort = (): void => fail(signal!.reason);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });

      const subscription = source.subscribe({
        next: (batch) => engine.push(batch),
        error: fail,
        complete: () => engine.end(),
      });
      return () => {
        subscription.unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        engine.close();
        teardown.abort(new Error('unsubscribed'));
        if (own)
          pool.then(
            (started) => started.close(),
            () => undefined,
          );
      };
    });
  };
}
