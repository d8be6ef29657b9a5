import type { CallCounts } from '../classify/callCounts.js';
import { VirnucproError } from '../errors.js';
import type { FastaRecordRef } from '../fasta/fastaStats.js';
import { openInput } from '../fasta/openInput.js';
import { inputSelection, wholeInput, type InputSelection } from '../fasta/inputSelection.js';
import { consumeBatches } from '../flow/sink.js';
import { loadBundle, type BundleEncoder, type ModelBundle } from '../model/bundle.js';
import { chooseChunkLength } from '../model/chunkLength.js';
import type { ChunkLength, EncoderName } from '../model/manifest.js';
import type { StartInferenceBackend } from '../model/inferenceBackend.js';
import type { ExecutionProvider } from '../model/sessionSettings.js';
import type { ConsensusSortResult } from '../output/consensusSort.js';
import { OutputLock } from '../output/outputLock.js';
import { isBrokenPipe, type OutputStream } from '../output/outputStream.js';
import { PredictionDirectory, type OutputMode } from '../output/predictionDirectory.js';
import type { DirectoryTableGroup } from '../output/directoryTable.js';
import { chosenTableGroups, type DirectoryTableSwitches } from '../output/directoryTables.js';
import type { StreamFormat } from '../output/predictionRows.js';
import { hasRunReports, writeRunReports } from '../output/runReports.js';
import { SkippedRecordsFile } from '../output/skippedRecords.js';
import { predict, startPredictModels, type PredictModels, type PredictOptions } from './predict.js';
import { directorySink, streamSink, type PredictRunIdentity, type PredictSink, type ResultOptions } from './predictSinks.js';
import { PREDICT_STAGES, PredictStats, StageClock } from './predictStats.js';
import { bundleIdentity, inputIdentity, type BundleIdentity, type InputIdentity } from './runIdentity.js';
import type { RunSummary, StageSeriesJSON } from '../output/runSummaryJson.js';
import { StageSeries } from './stageSeries.js';
import { planRun } from './runPlan.js';
import { VIRNUCPRO_VERSION } from './version.js';

/**
 * A whole `predict` run as a library call, with the guarantees of `virnucpro predict`: the input and the
 * models are checked before any output exists, `-o DIR` is resumable (durable commits, byte-identical files
 * after a resume), every kept frame and every chunk reaches the output exactly once (checked), and the run
 * ends with one summary (written as run_summary.json with -o, returned in any case). The CLI parses
 * arguments into these options and reports what comes back.
 */

/** Where the results go. */
export type PredictOutput =
  | ({
      /** The original's two files plus run_summary.json, resumable. */
      readonly dir: string;
      /** 'new' (empty or absent), 'overwrite' (replace virnucpro's files), 'resume'. Default 'new'. */
      readonly mode?: OutputMode;
      /** Least ms between two durable commits. Default: the writer's (2 000). */
      readonly commitIntervalMs?: number;
      /** Tables of your own to write too (a DirectoryTableGroup each), resumed like the listed ones. Default none. */
      readonly tables?: readonly DirectoryTableGroup[];
    } & DirectoryTableSwitches) // the listed tables, each group by its option: `scoreTables: true` (docs/predict.md, "Score tables")
  | {
      /** Rows to a stream (openStdout(), or openOutputFile()), streamed as chunks complete. */
      readonly stream: OutputStream;
      /** 'tsv' (default) or 'jsonl'. */
      readonly format?: StreamFormat;
      /** One row per kept frame instead of one per chunk. Default false. */
      readonly perFrame?: boolean;
    };

/** Where the run's messages go (the CLI's stderr logger fits). Default: none. */
export interface RunLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface PredictRunOptions extends InputSelection {
  /** The model bundle's directory (or manifest path). */
  readonly models: string;
  readonly output: PredictOutput;
  /** 300 or 500. Default: the bundle's; another one needs `acceptChunkLength`. */
  readonly chunkLength?: ChunkLength;
  /** Run a chunk length the classifier was not trained for (BUNDLE_MISMATCH otherwise). Default false. */
  readonly acceptChunkLength?: boolean;
  /** Verify the bundle's checksums. Default true. */
  readonly verifyChecksums?: boolean;
  /** Write every skipped input record (TSV: record_id, header_line, reason) to this file. */
  readonly skippedOut?: string;
  readonly threads?: number;
  readonly workers?: number;
  readonly intraOpThreads?: number;
  readonly device?: ExecutionProvider;
  /** PredictOptions.deviceId: one GPU index or several. */
  readonly deviceId?: number | readonly number[];
  readonly allowSpinning?: boolean;
  readonly tokenBudget?: number;
  readonly window?: number;
  /** Runs the models on other backends than onnxruntime worker pools (PredictOptions.startBackend). */
  readonly startBackend?: StartInferenceBackend;
  readonly log?: RunLog;
  /** Aborting stops reading, drops the work in flight, commits (-o) and rejects with INTERRUPTED. */
  readonly signal?: AbortSignal;
  /**
   * What an interrupted or failed -o run tells the user to do next (after 'to continue: '). Default: run
   * again with the output mode 'resume'.
   */
  readonly resumeHint?: string;
  /** What run_summary.json records as the command: its arguments and options. Default: none, and the run's options. */
  readonly invocation?: { readonly arguments: readonly string[]; readonly options: Readonly<Record<string, unknown>> };
  /** Called once the results start to be written, with the counters the run fills (progress displays). */
  readonly onStart?: (progress: RunProgress) => void;
}

/** Counters a run fills as it goes: the pipeline's, and what this process has written. */
export interface RunProgress {
  readonly stats: PredictStats;
  /**
   * Frames and chunks written, and the input bases whose results are all written (the work finished through
   * the last stage; a resumed run's skipped bases included, `stats.resumedBases` says how many).
   */
  readonly written: { chunks: number; frames: number; bases: number };
}

export interface PredictRunResult {
  /** 'complete': this call ran it to the end; 'already-complete': -o held a finished run, nothing was done. */
  readonly status: 'complete' | 'already-complete';
  /** The run summary (what run_summary.json holds); undefined when already complete. */
  readonly summary: RunSummary | undefined;
}

/**
 * Runs `virnucpro predict` on `input` (a path, or '-' for stdin).
 *
 * @example
 * const { summary } = await runPredict('reads.fa', { models: 'models/demo', output: { dir: 'results', mode: 'resume' } });
 *
 * @return the run's summary; rejects with the run's VirnucproError (INPUT_*, BUNDLE_*, OUTPUT_*,
 *   RESUME_MISMATCH, INTERRUPTED...), having kept (-o) what a resume continues from.
 */
export async function runPredict(input: string, options: PredictRunOptions): Promise<PredictRunResult> {
  // One owner per -o directory, from before anything in it is touched until the last commit (ADR 0008).
  const lock = 'dir' in options.output ? await OutputLock.acquire(options.output.dir) : undefined;
  try {
    return await runPredictOwned(input, options, lock);
  } finally {
    await lock?.release();
  }
}

async function runPredictOwned(input: string, options: PredictRunOptions, lock: OutputLock | undefined): Promise<PredictRunResult> {
  const started = performance.now();
  const log = options.log ?? { info: () => undefined, warn: () => undefined };
  const signal = options.signal ?? new AbortController().signal;
  // The run's options, resolved and checked once: everything below reads them from the plan.
  const plan = planRun({
    chunkLength: options.chunkLength,
    force: options.acceptChunkLength,
    verifyChecksums: options.verifyChecksums,
    device: options.device,
    deviceId: options.deviceId,
    threads: options.threads,
    workers: options.workers,
    intraOpThreads: options.intraOpThreads,
    allowSpinning: options.allowSpinning,
    tokenBudget: options.tokenBudget,
    window: options.window,
  });
  // The part of the input read (its shard), handed on whole: to the reader, the open check, the identity.
  const selection = inputSelection(options);
  // The optional tables of -o, chosen once: the run's identity, the directory and the summary follow them.
  const tableGroups = 'dir' in options.output ? chosenTableGroups(options.output, options.output.tables) : [];
  const tables = tableGroups.flatMap((group) => group.tables);
  const bundle = await loadBundle(options.models, {
    chunkLength: plan.chunkLength,
    force: plan.force,
    verifyChecksums: plan.verifyChecksums,
    signal,
  });
  // What loadBundle decided for the requested length: the length run, accepted (forced) or the classifier's.
  const { chunkLength, forced } = chooseChunkLength(plan.chunkLength, bundle.chunkLength, plan.force, bundle.manifestFile);
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    log.warn(message);
  };
  // What a stream's rows were made with: logged, not written among them (a csv reader takes a first line as
  // the header). An -o directory records it in run_summary.json.
  const bundleId = await bundleIdentity(bundle);
  if ('stream' in options.output)
    log.info(
      `virnucpro ${VIRNUCPRO_VERSION} predict: bundle '${bundle.name}' (manifest sha256 ${bundleId.manifestSha256.slice(0, 12)}), chunk length ${chunkLength}`,
    );
  if (forced) {
    warn(`--force: chunk length ${chunkLength} with a classifier trained on ${bundle.chunkLength}-bp chunks: predictions are unreliable`);
  }
  const resultOptions: ResultOptions = {
    chunkLength,
    forcedChunkLength: forced ? chunkLength : null,
    ...tableOptions(tableGroups),
  };
  const identity: PredictRunIdentity = { input: await inputIdentity(input, selection), bundle: bundleId, options: resultOptions };
  const { output } = options;
  if ('dir' in output) {
    // What can be refused is refused before anything is created or removed in -o DIR: the input's own
    // errors (missing, a directory, a compression we do not read), the directory's (not empty, another run's
    // state), and below the models' (a bundle onnxruntime cannot load: the directory is opened after them).
    await checkInputOpens(input, selection);
    if ((await PredictionDirectory.check(output.dir, output.mode ?? 'new', identity, tables)).complete)
      return alreadyComplete(output.dir, log);
  }

  const stats = new PredictStats();
  const runOptions: PredictOptions = {
    bundle,
    plan,
    ...(options.startBackend ? { startBackend: options.startBackend } : {}),
    stats,
    onWarning: (warning) => warn(warning.message),
    ...selection,
    signal,
  };
  const models = await startPredictModels(runOptions);
  try {
    const sink =
      'dir' in output
        ? await directorySink(output.dir, output.mode ?? 'new', identity, stats, {
            commitIntervalMs: output.commitIntervalMs,
            tables,
            ...(lock ? { beforeCommit: () => lock.check() } : {}),
            onResume: (records) =>
              log.info(
                `${output.dir}: resuming after ${records.toLocaleString('en-US')} records already done (the input is re-read and checked up to there)`,
              ),
          })
        : streamSink(output.stream, { format: output.format ?? 'tsv', perFrame: output.perFrame ?? false }, warn);
    if (sink === 'complete') return alreadyComplete((output as { dir: string }).dir, log);
    const before = { frames: stats.frames, records: stats.records };
    const written = { chunks: 0, frames: 0, bases: 0 };
    options.onStart?.({ stats, written });
    // The stages' rows over time, for report.html (kept in run_summary.json).
    const series = new StageSeries(stats);
    const writeClock = new StageClock(stats.stages.write);
    const skipped = options.skippedOut === undefined ? undefined : SkippedRecordsFile.create(options.skippedOut);
    const results = predict(input, {
      ...runOptions,
      models,
      ...(sink.resumeFrom ? { resumeFrom: sink.resumeFrom } : {}),
      ...(skipped ? { onSkippedRecord: (record: FastaRecordRef) => skipped.add(record) } : {}),
    });
    try {
      await consumeBatches(results, async (batch) => {
        writeClock.enter(1);
        const rows = await sink.write(batch);
        written.chunks += batch.chunks.recordIndex.length;
        written.frames += batch.count;
        written.bases = batch.settledBases;
        writeClock.leave(1, rows);
      });
      checkExactlyOnce(stats, sink.rows(), sink.calls());
      skipped?.close();
    } catch (error) {
      series.stop();
      await sink.abandon();
      try {
        skipped?.close();
      } catch {
        // the run's own error is the one to report
      }
      throw afterFailure(error, signal, sink, log, options.resumeHint ?? 'run again with output mode resume');
    }
    // The closing summary counts the run's chunks, a resumed run's earlier ones included.
    written.chunks = stats.chunks;
    // Built once, when the results are final: written to run_summary.json (-o) and returned.
    let summary: RunSummary | undefined;
    const summarize = (sort: ConsensusSortResult | undefined): RunSummary => {
      if (sort && sort.journalRows !== sink.rows().chunks) {
        throw accountingError([`${sink.rows().chunks} consensus rows written but ${sort.journalRows} read back from the journal`]);
      }
      summary = runSummary({
        invocation: options.invocation ?? { arguments: [], options: invocationOptions(options, tableGroups) },
        input: identity.input,
        bundle,
        identity: identity.bundle,
        models,
        options: resultOptions,
        stats,
        before,
        started,
        sort,
        sink,
        warnings,
        series: series.stop(),
      });
      return summary;
    };
    const sort = await sink.finish(summarize);
    if ('dir' in output) await writeRunReports(output.dir);
    return { status: 'complete', summary: summary ?? summarize(sort) };
  } finally {
    await models.close();
  }
}

/** A finished run needs nothing more, but its reports when a crash came between the last commit and them. */
async function alreadyComplete(dir: string, log: RunLog): Promise<PredictRunResult> {
  if (await hasRunReports(dir)) {
    log.info(`${dir}: this run is already complete; nothing to do`);
  } else {
    await writeRunReports(dir);
    log.info(`${dir}: this run is already complete; its reports were missing and are written now`);
  }
  return { status: 'already-complete', summary: undefined };
}

/** `{ <option>: true }` for each table group written (`{ scoreTables: true }`): in the run's identity and its recorded options. */
function tableOptions(groups: readonly DirectoryTableGroup[]): Readonly<Record<string, true>> {
  return Object.fromEntries(groups.map((group) => [group.option, true]));
}

/** The run's options as run_summary.json records them when no invocation is given: the plain values (`backends` describes a startBackend). */
function invocationOptions(options: PredictRunOptions, tableGroups: readonly DirectoryTableGroup[]): Record<string, unknown> {
  const { output, log: _log, signal: _signal, onStart: _onStart, invocation: _invocation, startBackend: _startBackend, ...rest } = options;
  const where =
    'dir' in output
      ? { dir: output.dir, mode: output.mode ?? 'new', ...tableOptions(tableGroups) }
      : { format: output.format ?? 'tsv', perFrame: output.perFrame ?? false };
  return Object.fromEntries(Object.entries({ ...rest, output: where }).filter(([, value]) => value !== undefined));
}

/**
 * What a failed -o run tells the user: an interruption becomes INTERRUPTED naming what is kept, with the
 * way to resume; after another error the committed results are kept too, so the same hint is logged.
 * Returns the error to throw.
 */
function afterFailure(error: unknown, signal: AbortSignal, sink: PredictSink, log: RunLog, resumeHint: string): unknown {
  const where = sink.interruptedAt();
  if (where === undefined || isBrokenPipe(error)) return error;
  const again = `to continue: ${resumeHint}`;
  if (signal.aborted && error instanceof VirnucproError && error.code === 'INTERRUPTED') {
    return new VirnucproError('INTERRUPTED', `${error.message}: ${where}`, { hint: again });
  }
  log.info(`${where}; ${again} (once the cause of the error below is fixed)`);
  return error;
}

/**
 * Every kept frame must have given exactly one per-frame row, and every chunk with kept frames exactly one
 * consensus row (the v2.0 refactor once lost 10 577 of 794 577 sequences without a word). Cheap: counters
 * kept by the pipeline after translation against rows counted by the writer.
 */
function checkExactlyOnce(stats: PredictStats, rows: { readonly frames: number; readonly chunks: number }, calls: CallCounts): void {
  const problems: string[] = [];
  if (rows.frames !== stats.frames) problems.push(`${stats.frames} kept frames but ${rows.frames} frame rows`);
  if (rows.chunks !== stats.chunksWithKeptFrames)
    problems.push(`${stats.chunksWithKeptFrames} chunks with kept frames but ${rows.chunks} consensus rows`);
  // Every chunk and every record is called exactly once: viral, not viral, or uncallable.
  const chunks = calls.chunks.viral + calls.chunks.notViral + calls.chunks.uncallable;
  if (calls.chunks.viral + calls.chunks.notViral !== stats.chunksWithKeptFrames || chunks !== stats.chunks) {
    problems.push(
      `${stats.chunks} chunks (${stats.chunksWithKeptFrames} with kept frames) but ${chunks} calls (${calls.chunks.uncallable} uncallable)`,
    );
  }
  const reads = calls.reads.viral + calls.reads.notViral + calls.reads.uncallable;
  if (reads !== stats.records) problems.push(`${stats.records} records but ${reads} read calls`);
  if (problems.length > 0) throw accountingError(problems);
}

function accountingError(problems: readonly string[]): VirnucproError {
  return new VirnucproError('INTERNAL', `accounting mismatch: ${problems.join('; ')}`, {
    hint: 'results are incomplete or duplicated: this is a bug, please report it with the command line',
  });
}

/**
 * Opens the input (its shard) and reads its first bytes, so that its errors come before any output exists
 * (stdin excepted, but not a shard of it, refused here).
 */
async function checkInputOpens(input: string, selection: InputSelection): Promise<void> {
  if (input === '-' && wholeInput(selection)) return;
  const bytes = openInput(input, selection)[Symbol.asyncIterator]();
  try {
    await bytes.next();
  } finally {
    await bytes.return?.();
  }
}

interface SummaryInputs {
  readonly invocation: NonNullable<PredictRunOptions['invocation']>;
  readonly input: InputIdentity;
  readonly bundle: ModelBundle;
  readonly identity: BundleIdentity;
  readonly models: PredictModels;
  readonly options: ResultOptions;
  readonly stats: PredictStats;
  /** Frames and records a resumed run had already done (this process's rates exclude them). */
  readonly before: { readonly frames: number; readonly records: number };
  readonly started: number;
  readonly sort: ConsensusSortResult | undefined;
  readonly sink: PredictSink;
  readonly warnings: readonly string[];
  readonly series: StageSeriesJSON;
}

function runSummary(inputs: SummaryInputs): RunSummary {
  const { invocation, input, bundle, identity, models, options, stats, before, started, sort, sink, warnings, series } = inputs;
  const seconds = (performance.now() - started) / 1000;
  return {
    virnucpro: VIRNUCPRO_VERSION,
    command: 'predict',
    arguments: [...invocation.arguments],
    finishedAt: new Date().toISOString(),
    input: { path: input.path, ...(input.size !== undefined ? { size: input.size, mtime: input.mtime! } : {}) },
    shard: input.shard ?? null,
    bundle: {
      name: bundle.name,
      manifest: bundle.manifestFile,
      manifestSha256: identity.manifestSha256,
      chunkLength: bundle.chunkLength,
      meaningless: bundle.meaningless,
      provenance: bundle.provenance,
      files: bundle.loadedFiles,
    },
    chunkLength: options.chunkLength,
    forcedChunkLength: options.forcedChunkLength,
    options: { ...invocation.options },
    threads: models.plan.threads,
    backends: {
      ...perEncoder(models.bundle, (_, i) => models.pools.encoders[i]!.describe()),
      classifier: models.pools.classifier.describe(),
    },
    counts: {
      recordsRead: stats.fasta.records,
      recordsSkipped: { emptyRecord: stats.fasta.emptySkipped },
      chunks: stats.chunks,
      chunksWithKeptFrames: stats.chunksWithKeptFrames,
      framesKept: stats.frames,
      calls: sink.calls(),
      rowsWritten: sink.outputs(sort),
      duplicateChunkIdsMerged: sort?.mergedDuplicates ?? 0,
    },
    resume: { resumed: sink.resumed !== undefined, recordsAlreadyDone: sink.resumed?.records ?? 0, commits: sink.resumed?.commits ?? 0 },
    timing: {
      seconds,
      framesPerSecond: (stats.frames - before.frames) / Math.max(seconds, 1e-9),
      recordsPerSecond: (stats.records - before.records) / Math.max(seconds, 1e-9),
      stages: PREDICT_STAGES.map((stage) => stats.stages[stage].toJSON()),
      series,
    },
    packing: perEncoder(models.bundle, ({ label }) => stats.packing[label].toJSON()),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    warnings,
  };
}

/** A summary field with one entry per encoder, by its name, in the bundle's order (the JSON keeps that order). */
function perEncoder<T>(bundle: ModelBundle, value: (encoder: BundleEncoder, index: number) => T): Record<EncoderName, T> {
  return Object.fromEntries(bundle.encoders.map((encoder, i) => [encoder.label, value(encoder, i)])) as Record<EncoderName, T>;
}
