import { Observable, tap, type OperatorFunction } from 'rxjs';
import { chunkConsensus } from '../../operators/chunkConsensus.js';
import { chunkReads } from '../../operators/chunkReads.js';
import { classifyFrames } from '../../operators/classifyFrames.js';
import { embedFrames } from '../../operators/embedFrames.js';
import { readFasta, type FastaBatch } from '../../operators/readFasta.js';
import { translateSixFrames } from '../../operators/translateSixFrames.js';
import { EMBED_BATCHES_IN_FLIGHT, resolveEmbedOptions, withEmbedSignal } from '../embed/embedOptions.js';
import type { FastaRecordRef, FastaWarning } from '../fasta/fastaStats.js';
import type { RecordBatch } from '../fasta/recordBatch.js';
import { inputSelection, type InputSelection } from '../fasta/inputSelection.js';
import { Credit, type Leased } from '../flow/credit.js';
import { loadBundle, type ModelBundle } from '../model/bundle.js';
import { bundleNotices, type BundleNotice } from '../model/bundleWarnings.js';
import type { FeatureBatch, TokenBatch } from '../model/batches.js';
import type { InferenceBackend, StartInferenceBackend } from '../model/inferenceBackend.js';
import { startInferencePool, type InferencePoolOptions } from '../model/inferencePool.js';
import type { EmbeddingModel } from '../model/modelSpec.js';
import { startOnDevices } from '../model/spreadBackend.js';
import { eachBatchAlone } from '../flow/eachBatchAlone.js';
import { chooseChunkLength } from '../model/chunkLength.js';
import type { ChunkLength, EncoderName } from '../model/manifest.js';
import type { ExecutionProvider } from '../model/sessionSettings.js';
import type { FrameBatch } from '../sequence/frameBatch.js';
import type { ClassifiedFrames, EmbeddedFrames } from '../classify/classification.js';
import type { ConsensusRows } from '../classify/consensus.js';
import type { InputCheckpoint } from '../fasta/inputCheckpoint.js';
import { InputLedger, recordBatchChunks } from './inputLedger.js';
import { PredictStats, StageClock } from './predictStats.js';
import { isRunPlan, planRun, type RunPlan, type RunPlanOptions } from './runPlan.js';
import type { EncoderThreads } from './threadPlan.js';

/**
 * The whole VirNucPro prediction as one stream: read → chunk → six frames → DNABERT-S and ESM-2 embeddings →
 * classifier → per-chunk consensus. This module composes the operators (so, unlike the rest of src/, it
 * imports RxJS and operators/); the engine stays in the operators' src/ modules.
 */

export interface PredictOptions extends RunPlanOptions, InputSelection {
  /** The model bundle: as loadBundle returned it, or its directory or manifest path (loaded on subscribe). */
  readonly bundle: ModelBundle | string;
  /**
   * The RunPlanOptions (those with a default in PREDICT_DEFAULTS) resolved ahead by planRun: used instead of them
   * (runPredict plans once and passes it). Default: planned from these options.
   */
  readonly plan?: RunPlan;
  /** The credit window to use. Default: a new one of `creditUnits`. */
  readonly credit?: Credit;
  /** Counts to fill while running (progress, summary, exactly-once checks). Default: a fresh one. */
  readonly stats?: PredictStats;
  /**
   * Models already started by {@link startPredictModels}: the run uses them (their bundle and chunk length)
   * instead of loading its own, and leaves them running (the caller closes them). For a caller that must know
   * the models load before it creates anything, as `virnucpro predict -o DIR` does. Default: the models are
   * started on subscribe and closed when the subscription ends.
   */
  readonly models?: PredictModels;
  /**
   * Starts the three models' backends instead of onnxruntime worker pools (a remote inference server, say):
   * called once per model (bundle.dna, bundle.protein, bundle.classifier) with the run's signal. `device`,
   * `deviceId`, `workers`, `intraOpThreads` and `allowSpinning` then do not apply. Default: worker pools
   * sized by planThreads.
   */
  readonly startBackend?: StartInferenceBackend;
  /** Continue an interrupted run: skip the input's first `records` records, checking their fingerprint. */
  readonly resumeFrom?: InputCheckpoint;
  /**
   * Warnings, each once: the bundle's when the models start (marked meaningless, files without checksums),
   * the reader's at the end of input (empty records, empty ids, odd letters). What `virnucpro predict` prints.
   */
  readonly onWarning?: (warning: PredictWarning) => void;
  /**
   * Every empty record the reader skips, as it does (`--skipped-out`). A resumed run re-reads the input from
   * the start, so it reports the records skipped before the resume point again: the list is always complete.
   */
  readonly onSkippedRecord?: (record: FastaRecordRef) => void;
  /** Input name in messages when `input` is a stream. Default '<stream>'. */
  readonly name?: string;
  readonly signal?: AbortSignal;
}

/** A warning about the bundle, as a reader warning is about the input: its file (the manifest) and a log line. */
export interface BundleWarning extends Omit<FastaWarning, 'kind'> {
  readonly kind: BundleNotice['kind'];
}

/** What a predict run warns about: the input (FastaWarning) or the bundle. */
export type PredictWarning = FastaWarning | BundleWarning;

/**
 * A batch of results, in input order: its kept frames with scores (row i = frame i), its chunks' consensus
 * rows, and the lease the consumer releases once the results are written (consumeBatches does it).
 */
export type PredictionBatch = ClassifiedFrames &
  ConsensusRows &
  Leased & {
    /**
     * Set on the batch that completes an input batch: all results of the input's first `records` records
     * have now been emitted. The resumable writer commits at these points.
     */
    readonly checkpoint: InputCheckpoint | undefined;
    /**
     * Input bases whose results are all in this batch or earlier ones (InputLedger.settledBases; a resumed
     * run counts the bases it skipped): the work finished once this batch is written, for progress.
     */
    readonly settledBases: number;
  };

/**
 * Predicts viral chunks in FASTA input with a VirNucPro model bundle, end to end, in bounded memory.
 *
 * @example
 * import { predict, consumeBatches, isViralChunk } from 'virnucpro';
 * await consumeBatches(predict('reads.fa', { bundle: 'models/demo' }), (batch) => {
 *   // batch.consensus.maxScore1 / maxScore2 per chunk, batch.score1 / score2 per frame
 * });
 *
 * @param input a path, '-' for stdin, or the bytes as an AsyncIterable<Uint8Array>.
 * @param options.bundle a loaded ModelBundle or its path (required).
 * @param options.chunkLength, threads, workers, intraOpThreads, device, deviceId, tokenBudget, window,
 *   creditUnits, batchBases, allowSpinning, verifyChecksums, force: resolved once by planRun (or given as
 *   `options.plan`), defaults from PREDICT_DEFAULTS (src/pipeline/predictDefaults.ts: unit and memory cost of each).
 * @param options.credit the window to share; default a new one of `creditUnits`. @param options.stats counts
 *   to fill. @param options.resumeFrom records to skip. @param options.models models from
 *   startPredictModels (left running, their plan is the run's); default: started on subscribe, closed at the end.
 * @param options.signal aborts the run (the stream errors with its reason).
 *
 * Memory: bounded by the credit window (DEFAULT_PREDICT_CREDIT_UNITS) plus the three models.
 * Order: batches, frames and chunks in input order; every input batch reaches the output exactly once (an
 * INTERNAL error otherwise). Nothing is read, and no model is loaded (unless `models` were), before subscribe.
 * @see docs/predict.md, the stage operators in operators/, ../output/predictionDirectory.ts
 */
export function predict(input: string | AsyncIterable<Uint8Array>, options: PredictOptions): Observable<PredictionBatch> {
  const resolved = resolvePredictOptions(options);
  return new Observable<PredictionBatch>((subscriber) => {
    const teardown = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, teardown.signal]) : teardown.signal;
    let inner: { unsubscribe(): void } | undefined;
    // Models this subscription started (and so closes); a caller's own models are left running.
    let own: PredictModels | undefined;
    let closed = false;
    const ready = options.models ? Promise.resolve(options.models) : startModels(resolved, signal).then((models) => (own = models));
    void ready.then(
      (models) => {
        if (closed) return void own?.close();
        inner = pipeline(input, resolved, models, signal).subscribe(subscriber);
      },
      (error: unknown) => {
        if (!subscriber.closed) subscriber.error(error);
      },
    );
    // Runs on complete, error and unsubscribe alike: the pools live exactly as long as the subscription.
    return () => {
      closed = true;
      teardown.abort(new Error('unsubscribed'));
      inner?.unsubscribe();
      void own?.close();
    };
  });
}

interface ResolvedPredictOptions extends PredictOptions {
  readonly plan: RunPlan;
  readonly stats: PredictStats;
}

function resolvePredictOptions(options: PredictOptions): ResolvedPredictOptions {
  const { bundle, stats } = options;
  if (typeof bundle !== 'string' && (typeof bundle !== 'object' || bundle === null || !('classifier' in bundle))) {
    throw new TypeError('options.bundle must be a ModelBundle (loadBundle) or the path of a bundle');
  }
  if (stats !== undefined && !(stats instanceof PredictStats)) throw new TypeError('options.stats must be a PredictStats');
  if (options.plan !== undefined && !isRunPlan(options.plan)) throw new TypeError('options.plan must be what planRun returned');
  if (options.models !== undefined && !(typeof options.models === 'object' && options.models !== null && 'pools' in options.models)) {
    throw new TypeError('options.models must be what startPredictModels returned');
  }
  return {
    ...options,
    // Models started ahead of the run were planned for it: their plan is the run's.
    plan: options.models?.plan ?? options.plan ?? planRun(options),
    stats: stats ?? new PredictStats(),
  };
}

/**
 * The models of a predict run, loaded and started: the bundle (with its encoders' tokenizers), the chunk
 * length the run uses and the model pools. What {@link startPredictModels} returns and `options.models` takes.
 */
export interface PredictModels {
  readonly bundle: ModelBundle;
  readonly chunkLength: ChunkLength;
  /** The run's settings, resolved once from the options these models were started with (their threads included). */
  readonly plan: RunPlan;
  readonly pools: PredictPools;
  /** Stops the three pools (their workers exit). Calling it again is harmless. */
  close(): Promise<void>;
}

/**
 * The model backends of a run (worker pools unless `startBackend` says otherwise): one per encoder, in the
 * bundle's order (`encoders[i]` runs `bundle.encoders[i]`, also under its name: `dna`, `protein`), and the classifier.
 */
export type PredictPools = {
  readonly encoders: readonly InferenceBackend<TokenBatch>[];
  readonly classifier: InferenceBackend<FeatureBatch>;
} & { readonly [K in EncoderName]: InferenceBackend<TokenBatch> };

/**
 * Loads what {@link predict} runs with, ahead of the run: the bundle (when given a path, its tokenizers with it),
 * the chunk-length check, and the three model pools, every worker's model loaded. A bundle that fails
 * anywhere fails here, before the caller has created any output. Pass the result as `options.models` (with
 * the same other options) and close it when done.
 *
 * @example
 * const models = await startPredictModels({ bundle: 'models/demo' });
 * try { await consumeBatches(predict('reads.fa', { bundle: 'models/demo', models }), write); } finally { await models.close(); }
 *
 * @param options the options of the run: planned here once (planRun), unless `options.plan` is given; the
 *   models carry that plan, and the run they are passed to uses it instead of its own options.
 * @return the started models; rejects with the bundle's or the model's error (BUNDLE_*, MODEL_LOAD,
 *   TOKENIZER_INVALID, WORKER_CRASHED), or the signal's reason, having stopped any pool it started.
 *
 * Memory: the three models' weights (one copy per worker) for as long as they run.
 */
export function startPredictModels(options: PredictOptions): Promise<PredictModels> {
  const resolved = resolvePredictOptions(options);
  return startModels(resolved, options.signal ?? new AbortController().signal);
}

/**
 * Loads the bundle (when given a path; with its tokenizers), checks the chunk length, and starts the three
 * model pools (in parallel; if one fails, the others are closed).
 */
async function startModels(options: ResolvedPredictOptions, signal: AbortSignal): Promise<PredictModels> {
  const { plan } = options;
  const bundle =
    typeof options.bundle === 'string'
      ? await loadBundle(options.bundle, {
          chunkLength: plan.chunkLength,
          force: plan.force,
          verifyChecksums: plan.verifyChecksums,
          signal,
        })
      : options.bundle;
  // A bundle loaded for a forced length runs that length (and needs `force` here too).
  const { chunkLength } = chooseChunkLength(
    plan.chunkLength ?? (bundle.forcedChunkLength as ChunkLength | undefined),
    bundle.chunkLength,
    plan.force,
    bundle.manifestFile,
  );
  for (const notice of bundleNotices(bundle, plan.device, 'predictions')) {
    options.onWarning?.({ ...notice, position: { file: bundle.manifestFile } });
  }
  const on = (threads: EncoderThreads, device: ExecutionProvider): InferencePoolOptions => ({
    workers: threads.workers,
    intraOpNumThreads: threads.intraOpNumThreads,
    executionProvider: device,
    allowSpinning: plan.allowSpinning,
    signal,
  });
  const { device, deviceIds } = plan;
  // One worker set per device; on the CPU the "devices" share the cores, so they share the threads too.
  const onEach = (threads: EncoderThreads): EncoderThreads =>
    device === 'cpu' ? { ...threads, intraOpNumThreads: Math.max(1, Math.floor(threads.intraOpNumThreads / deviceIds.length)) } : threads;
  const onDevices = (model: EmbeddingModel, threads: EncoderThreads): Promise<InferenceBackend<TokenBatch>> =>
    startOnDevices(deviceIds, (deviceId) => startInferencePool(model, { ...on(onEach(threads), device), deviceId }));
  const start = options.startBackend;
  const startingEncoders = bundle.encoders.map((encoder) =>
    start ? start(encoder, { signal }) : onDevices(encoder, plan.threads[encoder.label]),
  );
  const startingClassifier = start
    ? start(bundle.classifier, { signal })
    : startInferencePool(bundle.classifier, on(plan.threads.classifier, 'cpu'));
  const started = await Promise.allSettled([...startingEncoders, startingClassifier]);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await closePools(started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])));
    throw failed.reason;
  }
  const encoders = await Promise.all(startingEncoders);
  const classifier = await startingClassifier;
  let closing: Promise<void> | undefined;
  return {
    bundle,
    chunkLength,
    plan,
    pools: {
      encoders,
      classifier,
      ...(Object.fromEntries(bundle.encoders.map(({ label }, i) => [label, encoders[i]!])) as Record<
        EncoderName,
        InferenceBackend<TokenBatch>
      >),
    },
    close: () => (closing ??= closePools([...encoders, classifier])),
  };
}

async function closePools(pools: readonly InferenceBackend<TokenBatch | FeatureBatch>[]): Promise<void> {
  await Promise.allSettled(pools.map((pool) => pool.close()));
}

function pipeline(
  input: string | AsyncIterable<Uint8Array>,
  options: ResolvedPredictOptions,
  prepared: PredictModels,
  signal: AbortSignal,
): Observable<PredictionBatch> {
  const { stats, plan } = options;
  const { chunkLength, pools, bundle } = prepared;
  const credit = options.credit ?? new Credit(plan.creditUnits, 'predict');
  const source = typeof input === 'string' ? input : (options.name ?? '<stream>');
  const ledger = new InputLedger({ chunkLength, resumeFrom: options.resumeFrom, source });
  // Resolved once for the run; each input batch's operator gets them with its own stop signal.
  const embedOptions = bundle.encoders.map((encoder, i) =>
    resolveEmbedOptions({
      tokenizer: bundle.tokenizers[encoder.label],
      pool: pools.encoders[i]!,
      stats: stats.packing[encoder.label],
      packing: plan.packing,
    }),
  );
  // Each input batch's frames are packed among themselves: runs are byte-reproducible, as resume needs.
  const perBatch = { inFlight: EMBED_BATCHES_IN_FLIGHT, signal };
  const clock = (stage: keyof PredictStats['stages']): StageClock => new StageClock(stats.stages[stage]);
  const one = (): number => 1;
  const frames = (batch: FrameBatch): number => batch.count;

  return readFasta(input, {
    credit,
    batchBases: plan.batchBases,
    stats: stats.fasta,
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    ...(options.onSkippedRecord ? { onSkippedRecord: options.onSkippedRecord } : {}),
    ...(typeof input === 'string' ? {} : { name: source }),
    ...inputSelection(options),
    signal,
  }).pipe(
    admitRecords(ledger, stats, credit),
    timed(
      clock('translate'),
      (batch: FastaBatch) => recordBatchChunks(batch, chunkLength),
      (batch: FrameBatch) => batch.chunks.recordIndex.length,
      frames,
      (records) => records.pipe(chunkReads({ chunkLength, signal }), translateSixFrames({ threads: plan.threads.translate, signal })),
    ),
    tap((batch) => countFrames(batch, stats)),
    // One stage per encoder, in the bundle's order: each adds its embeddings to the batch.
    (framed) =>
      bundle.encoders.reduce(
        (embedded, encoder, i) =>
          embedded.pipe(
            timed(
              clock(`embed-${encoder.label}`),
              one,
              one,
              frames,
              eachBatchAlone(
                (stop) => embedFrames<string, FrameBatch & Leased>(encoder, withEmbedSignal(embedOptions[i]!, stop)),
                perBatch,
              ),
            ),
          ),
        framed,
      ) as Observable<EmbeddedFrames & Leased>,
    timed(clock('classify'), one, one, frames, (embedded) =>
      embedded.pipe(
        classifyFrames({ pool: pools.classifier, features: bundle.encoders.map(({ label }) => label), signal }),
        chunkConsensus({ signal }),
      ),
    ),
    settleRecords(ledger),
  );
}

function countFrames(batch: FrameBatch, stats: PredictStats): void {
  stats.chunks += batch.chunks.recordIndex.length;
  stats.frames += batch.count;
  for (let i = 0; i < batch.count; i++) if (i === 0 || batch.chunk[i] !== batch.chunk[i - 1]) stats.chunksWithKeptFrames += 1;
}

/** Runs `operator` as one timed stage; `weightIn`/`weightOut` measure a batch in a unit both sides share. */
function timed<A, B>(
  clock: StageClock,
  weightIn: (a: A) => number,
  weightOut: (b: B) => number,
  rows: (b: B) => number,
  operator: OperatorFunction<A, B>,
): OperatorFunction<A, B> {
  return (source) =>
    source.pipe(
      tap((a) => clock.enter(weightIn(a))),
      operator,
      tap((b) => clock.leave(weightOut(b), rows(b))),
    );
}

/**
 * The source side of the ledger: drops (and releases) records a resumed run already committed, registers
 * every other record batch, and times the reader: its busy time is the time until the end of input minus
 * the time it spent stalled on credit (backpressure from the stages after it).
 */
function admitRecords(ledger: InputLedger, stats: PredictStats, credit: Credit): OperatorFunction<FastaBatch, FastaBatch> {
  return function admitRecordsOperator(source) {
    return new Observable<FastaBatch>((subscriber) => {
      const started = performance.now();
      let stalledSince: number | undefined;
      let stalled = 0;
      const stopWatching = credit.onWait(() => {
        stalledSince ??= performance.now();
      });
      const resumeReading = (): void => {
        if (stalledSince === undefined) return;
        stalled += performance.now() - stalledSince;
        stalledSince = undefined;
      };
      const subscription = source.subscribe({
        next(batch) {
          resumeReading();
          let rest;
          try {
            rest = ledger.skipCommitted(batch);
          } catch (error) {
            batch.lease.release();
            return subscriber.error(error);
          }
          stats.resumedRecords += batch.count - (rest?.count ?? 0);
          stats.resumedBases += recordBases(batch) - (rest ? recordBases(rest) : 0);
          if (!rest) return batch.lease.release();
          ledger.admit(rest);
          stats.records += rest.count;
          stats.stages.read.rows += rest.count;
          subscriber.next(rest === batch ? batch : { ...rest, lease: batch.lease });
        },
        error: (error: unknown) => subscriber.error(error),
        complete() {
          resumeReading();
          stats.inputEnded = true;
          stats.stages.read.busySeconds += (performance.now() - started - stalled) / 1000;
          try {
            ledger.endOfInput();
          } catch (error) {
            return subscriber.error(error);
          }
          subscriber.complete();
        },
      });
      return () => {
        stopWatching();
        subscription.unsubscribe();
      };
    });
  };
}

/** Sequence bases of a record batch's records. */
function recordBases(batch: RecordBatch): number {
  return batch.starts[batch.count]! - batch.starts[0]!;
}

/** The output side of the ledger: marks the batches that complete an input batch; checks none went missing. */
function settleRecords(ledger: InputLedger): OperatorFunction<ClassifiedFrames & ConsensusRows & Leased, PredictionBatch> {
  return function settleRecordsOperator(source) {
    return new Observable<PredictionBatch>((subscriber) =>
      source.subscribe({
        next(batch) {
          let checkpoint;
          try {
            checkpoint = ledger.settle(batch.chunks);
          } catch (error) {
            batch.lease.release();
            return subscriber.error(error);
          }
          subscriber.next({ ...batch, checkpoint, settledBases: ledger.settledBases });
        },
        error: (error: unknown) => subscriber.error(error),
        complete() {
          try {
            ledger.finish();
          } catch (error) {
            return subscriber.error(error);
          }
          subscriber.complete();
        },
      }),
    );
  };
}
