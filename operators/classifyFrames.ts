import { Observable, type OperatorFunction } from 'rxjs';
import { Credit, type Leased } from '../src/flow/credit.js';
import { mapInOrder } from '../src/flow/mapInOrder.js';
import type { FeatureBatch } from '../src/model/batches.js';
import { isInferenceBackend, type InferenceBackend } from '../src/model/inferenceBackend.js';
import { resolveInferencePoolOptions, startInferencePool, type InferencePoolOptions } from '../src/model/inferencePool.js';
import type { ClassifierModel } from '../src/model/modelSpec.js';
import {
  DEFAULT_FEATURES,
  embeddingFields,
  featureRows,
  softmaxInto,
  type Classified,
  type EmbeddedFrames,
} from '../src/classify/classification.js';

/**
 * Frames per classifier request. The MLP costs ~1.7 MFLOP a frame, so 1 024 rows are ~2 GFLOP: long enough
 * that a worker round trip is noise, short enough to keep several workers fed from one input batch.
 * Memory: 4 B × width per row: 13 MiB of features a request at the real 3 328 width (plus 8 KiB of logits).
 */
export const DEFAULT_CLASSIFY_BATCH_ROWS = 1024;
/**
 * Requests at the pool per worker: one running, one queued behind it so the worker never waits for the main
 * thread. Feature rows are built only for requests that got a slot, so the copies of the embeddings alive
 * at once are ≤ maxInFlight × batchRows rows.
 */
export const CLASSIFY_IN_FLIGHT_PER_WORKER = 2;

export interface ClassifyFramesOptions {
  /** A started classifier backend (an InferencePool, or any InferenceBackend; shared: never closed here). Give this or `model`. */
  readonly pool?: InferenceBackend<FeatureBatch>;
  /** A classifier to start a pool for on subscribe (bundle.classifier), closed at the end. Give this or `pool`. */
  readonly model?: ClassifierModel;
  /** Options of the pool started for `model`. Default: the pool's defaults (1 worker). */
  readonly poolOptions?: InferencePoolOptions;
  /**
   * The encoders whose embeddings form a feature row, in order (`bundle.encoders`' labels): each batch's
   * `${name}Embeddings` side by side, then dropped. Default: [dna | protein], the original's.
   */
  readonly features?: readonly string[];
  /** Frames per classifier request (integer ≥ 1). Default 1 024. */
  readonly batchRows?: number;
  /** Requests at the pool at once (integer ≥ 1). Default concurrency (workers) × 2. */
  readonly maxInFlight?: number;
  /** Aborting errors the stream with the signal's reason and drops the requests in flight. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_CLASSIFY_FRAMES = {
  batchRows: DEFAULT_CLASSIFY_BATCH_ROWS,
} as const satisfies ClassifyFramesOptions;

/**
 * VirNucPro's classifier on every kept frame (spec §7): the feature row [DNA embedding | protein embedding]
 * goes through the MLP on an inference pool, and the logits become probabilities with PyTorch's float32
 * softmax: `score1` = P(others), `score2` = P(virus); a frame is `virus` iff score2 > score1. The embedding
 * matrices are dropped from the output (they are 13 KiB a frame at the real widths).
 *
 * @example
 * import { classifyFrames } from 'virnucpro/operators';
 * const classified$ = embedded$.pipe(classifyFrames({ model: bundle.classifier }));
 * // each batch: frames + score1/score2 (Float32Array, row i = frame i)
 *
 * @param options.pool a started classifier pool, left running; or options.model (+ options.poolOptions): a
 *   pool started on subscribe and closed on complete, error or unsubscribe.
 * @param options.batchRows frames per request; default 1 024.
 * @param options.maxInFlight requests at the pool at once; default workers × 2.
 * @param options.signal aborts the stream.
 *
 * Memory: batches in flight hold their credit lease (bounded by the pipeline's Credit); on top, feature rows
 * of ≤ maxInFlight × batchRows frames (4 B × width each: ~27 MiB at the defaults and the real 3 328 width)
 * and two float32 scores per frame. No queue of its own.
 * Order: batches in input order (mapInOrder), zero-frame batches too, each with its input's lease; row i of
 * the scores is frame i.
 * @see ../src/classify/classification.ts, chunkConsensus, spec section 7
 */
export function classifyFrames<B extends EmbeddedFrames & Leased>(options: ClassifyFramesOptions): OperatorFunction<B, Classified<B>> {
  const { pool: sharedPool, model, signal } = options;
  if ((sharedPool === undefined) === (model === undefined)) throw new TypeError('give exactly one of options.pool and options.model');
  if (sharedPool !== undefined && !isInferenceBackend(sharedPool)) {
    throw new TypeError('options.pool must be an InferencePool (startInferencePool) or another InferenceBackend');
  }
  if (sharedPool !== undefined && options.poolOptions !== undefined) {
    throw new TypeError('options.poolOptions cannot be combined with options.pool (the pool is already started)');
  }
  const spec = sharedPool?.model ?? model!;
  if (spec?.kind !== 'classifier')
    throw new TypeError(`options.${sharedPool ? 'pool' : 'model'} must be a classifier model, not ${String(spec?.kind)}`);
  const batchRows = options.batchRows ?? DEFAULT_CLASSIFY_FRAMES.batchRows;
  if (!Number.isSafeInteger(batchRows) || batchRows < 1)
    throw new TypeError(`options.batchRows must be an integer >= 1 (got ${String(batchRows)})`);
  const concurrency = sharedPool?.concurrency ?? resolveInferencePoolOptions(options.poolOptions ?? {}).workers;
  const maxInFlight = options.maxInFlight ?? concurrency * CLASSIFY_IN_FLIGHT_PER_WORKER;
  if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1) {
    throw new TypeError(`options.maxInFlight must be an integer >= 1 (got ${String(maxInFlight)})`);
  }
  const width = spec.inputWidth;
  const features = options.features ?? DEFAULT_FEATURES;
  if (!Array.isArray(features) || features.length === 0 || !features.every((name) => typeof name === 'string' && name !== '')) {
    throw new TypeError(`options.features must be a non-empty list of encoder names (got ${JSON.stringify(features)})`);
  }
  const dropped = new Set(features.flatMap((name) => Object.values(embeddingFields(name))));

  return function classifyFramesOperator(source) {
    return new Observable<Classified<B>>((subscriber) => {
      const teardown = new AbortController();
      const pool: Promise<InferenceBackend<FeatureBatch>> =
        model && !sharedPool
          ? startInferencePool(model, { ...options.poolOptions, signal: teardown.signal })
          : Promise.resolve(sharedPool!);
      // A model that fails to load errors the stream even when no batch ever arrives.
      pool.catch((error: unknown) => {
        if (!teardown.signal.aborted && !subscriber.closed) subscriber.error(error);
      });
      const slots = new Credit(maxInFlight, 'classifyFrames');
      const stop = signal ? AbortSignal.any([signal, teardown.signal]) : teardown.signal;

      const classify = async (batch: B, failed: AbortSignal): Promise<Classified<B>> => {
        const score1 = new Float32Array(batch.count);
        const score2 = new Float32Array(batch.count);
        // The first failing request stops the others of this batch; every request's outcome is observed at
        // once (none may reject unhandled while the loop waits for a slot).
        const local = new AbortController();
        const abort = AbortSignal.any([stop, failed, local.signal]);
        let firstError: unknown;
        const requests: Promise<void>[] = [];
        for (let from = 0; from < batch.count && firstError === undefined; from += batchRows) {
          const to = Math.min(batch.count, from + batchRows);
          const slot = await slots.acquire(1, abort).catch((error: unknown) => void (firstError ??= error));
          if (!slot) break;
          requests.push(
            pool
              .then((started) => started.run(featureRows(batch, from, to, width, features), abort))
              .then((logits) => softmaxInto(logits, score1, score2, from))
              .catch((error: unknown) => {
                firstError ??= error;
                local.abort(error);
              })
              .finally(() => slot.release()),
          );
        }
        await Promise.all(requests);
        if (firstError !== undefined) throw firstError;
        return withScores(batch, dropped, score1, score2);
      };

      const onAbort = (): void => {
        if (!subscriber.closed) subscriber.error(signal!.reason);
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      const subscription = source.pipe(mapInOrder(classify)).subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        teardown.abort(new Error('unsubscribed'));
        if (!sharedPool)
          pool.then(
            (started) => started.close(),
            () => undefined,
          );
      };
    });
  };
}

/** The batch without its embedding matrices (13 KiB a frame at the real widths), with its scores. */
function withScores<B extends EmbeddedFrames>(
  batch: B,
  dropped: ReadonlySet<string>,
  score1: Float32Array,
  score2: Float32Array,
): Classified<B> {
  const rest = Object.fromEntries(Object.entries(batch).filter(([field]) => !dropped.has(field)));
  return { ...rest, score1, score2 } as Classified<B>;
}
