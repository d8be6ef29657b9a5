import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { EXIT, VirnucproError } from '../errors.js';
import type { FastaRecordRef } from '../fasta/fastaStats.js';
import { openInput } from '../fasta/openInput.js';
import { consumeBatches } from '../flow/sink.js';
import { loadBundle, missingChecksumWarning, type ModelBundle } from '../model/bundle.js';
import type { ChunkLength } from '../model/manifest.js';
import type { ExecutionProvider } from '../model/sessionSettings.js';
import { HIGHEST_SCORE_FILE, PREDICTION_RESULTS_FILE, PredictionDirectory, type OutputMode, type RunCounters } from '../output/predictionDirectory.js';
import { STREAM_FORMATS, chunkRows, frameRows, streamHeader, type StreamFormat } from '../output/predictionRows.js';
import { summaryLines, type RunSummary } from '../pipeline/runSummary.js';
import { SkippedRecordsFile } from '../output/skippedRecords.js';
import type { ConsensusSortResult } from '../output/consensusSort.js';
import { predict, startPredictModels, type PredictOptions, type PredictionBatch } from '../pipeline/predict.js';
import { PREDICT_STAGES, PredictStats, StageClock } from '../pipeline/predictStats.js';
import { bundleIdentity, inputIdentity, type BundleIdentity, type InputIdentity } from '../pipeline/runIdentity.js';
import { planThreads, type ThreadPlan } from '../pipeline/threadPlan.js';
import type { InputCheckpoint } from '../fasta/inputCheckpoint.js';
import { inputArgument, intOption, stringOption, usageError, type CommandSpec, type ParsedValues } from './args.js';
import { EXIT_CODES_HELP, type Command } from './command.js';
import { MODEL_RUN_OPTIONS } from './embedCommand.js';
import type { Logger } from './log.js';
import { finishOutput, isBrokenPipe, openStdout, writeOutput } from './output.js';
import { RunReport } from './runReport.js';
import { CHUNK_LENGTH_OPTION, INPUT_HELP, MODELS_OPTION, NAMING_HELP } from './sharedOptions.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const spec: CommandSpec = {
  name: 'predict',
  summary: 'viral or not, per chunk (and per frame), with a VirNucPro model bundle',
  usage: '--models <dir> [-o <dir> [--resume]] [options] [<input>|-]',
  options: {
    models: MODELS_OPTION,
    'chunk-length': { ...CHUNK_LENGTH_OPTION, default: undefined, description: "chunk length in bases (default: the bundle's; another one needs --force)" },
    'output-dir': {
      type: 'string',
      short: 'o',
      value: '<dir>',
      description: "write the original's prediction_results.txt and prediction_results_highestscore.csv, plus run_summary.json, there (resumable)",
    },
    resume: { type: 'boolean', description: 'with -o: continue an interrupted run in that directory (starts afresh when it holds none)' },
    force: { type: 'boolean', description: 'replace the results in a non-empty -o directory; accept a chunk length the model was not trained for' },
    'per-frame': { type: 'boolean', description: 'stdout: one row per kept frame instead of one per chunk' },
    format: { type: 'string', short: 'f', value: '<tsv|jsonl>', description: 'stdout format', choices: STREAM_FORMATS, default: 'tsv' },
    'skipped-out': { type: 'string', value: '<file>', description: 'write every input record that was skipped (TSV: record_id, header_line, reason) to this file' },
    ...MODEL_RUN_OPTIONS,
    threads: {
      ...MODEL_RUN_OPTIONS['threads']!,
      description: 'CPU threads for the whole run, split between the stages (see Threads below)',
      default: String(availableParallelism()),
    },
    'intra-op-threads': { ...MODEL_RUN_OPTIONS['intra-op-threads']!, description: 'onnxruntime threads per encoder worker (default: see Threads below)' },
    'allow-spinning': {
      type: 'boolean',
      description: "let onnxruntime's threads spin-wait between operations (off by default: the model pools share the cores)",
    },
  },
  details: `Output without -o: stdout, one row per chunk that kept at least one frame, streamed in input order as
chunks complete (so '| head' ends the run early, exit 0). --format tsv starts with a '#' line naming the
model and chunk length, then a header:
  chunk_id  is_virus  max_score1  max_score2
is_virus is True when max_score2 >= max_score1 over the chunk's kept frames (a tie is True), as in the
original. With --per-frame, one row per kept frame instead:
  frame_id  prediction  score1  score2
prediction is virus when score2 > score1 (a tie is others). score1 = P(others), score2 = P(virus), written
like the original (numpy float32 str(): 0.72815406, 1e-06). --format jsonl: a first line
{"virnucpro": …, "bundle": …, "chunk_length": …, "meaningless": …}, then one object per row with the
keys above (is_virus a boolean, scores numbers). Rows on stdout are not sorted and reads with duplicate
ids give separate rows.

With -o DIR: the original's two files (byte-compatible: tab-separated, same headers and number format,
the consensus sorted lexicographically like pandas groupby, a_chunk_10 before a_chunk_9, and rows of
reads sharing an id merged as the original's groupby merges them), plus DIR/run_summary.json (model,
checksums, chunk length, counts, timings, options). DIR must be empty or absent unless --force (which
replaces only virnucpro's files) or --resume. Results are committed durably every few seconds; after a
crash or kill, the same command with --resume continues where the last commit left off and gives
byte-identical files. A changed input, bundle or chunk length is refused (exit 6). Ctrl-C (SIGINT) or
SIGTERM stops reading, drops the work in flight, commits, and exits 130 saying how to resume.

Threads (-j, default all cores): on the CPU the two encoders share them, 1/8 to DNABERT-S and the rest to
ESM-2 (at least one each, divided among --workers); translation gets one thread per 16 (1 to 4) and the
classifier one; those mostly sleep. With --device cuda or webgpu each encoder worker gets one CPU thread.
onnxruntime's threads sleep as soon as they run out of work: spinning (--allow-spinning) takes cores from
the other pools (21 % slower on 2 cores with --intra-op-threads 2; docs/predict.md, Threads).

${NAMING_HELP}

${INPUT_HELP}

Examples:
  virnucpro predict --models models/demo examples/data/demo.fa
  zcat reads.fa.gz | virnucpro predict -m bundle-500 - | awk '$2 == "True"'
  virnucpro predict -m bundle-300 -l 300 -o results reads.fa      (again with --resume after a crash)

Real predictions need the real models: tools/export_bundle.py (docs/export.md). models/demo is meaningless.

${EXIT_CODES_HELP}`,
};

/** Options that change results: a resume must see the same ones. */
interface RunOptions {
  readonly chunkLength: number;
  readonly forcedChunkLength: number | null;
}

export const predictCommand: Command = {
  spec,
  async run({ values, positionals }, { log, signal }) {
    const input = inputArgument(spec, positionals);
    const settings = readSettings(values);
    const started = performance.now();
    const bundle = await loadBundle(settings.models, {
      chunkLength: settings.chunkLength,
      force: settings.force,
      verifyChecksums: values['skip-checksums'] !== true,
      signal,
    });
    const chunkLength = (settings.chunkLength ?? bundle.chunkLength) as ChunkLength;
    const warnings: string[] = [];
    const warn = (message: string): void => {
      warnings.push(message);
      log.warn(message);
    };
    if (bundle.meaningless) warn(`bundle '${bundle.name}' is marked meaningless (demo or test weights): so are these predictions`);
    const unchecked = missingChecksumWarning(bundle);
    if (unchecked) warn(unchecked);
    if (chunkLength !== bundle.chunkLength) {
      warn(`--force: chunk length ${chunkLength} with a classifier trained on ${bundle.chunkLength}-bp chunks: predictions are unreliable`);
    }
    const options: RunOptions = { chunkLength, forcedChunkLength: chunkLength !== bundle.chunkLength ? chunkLength : null };
    const identity = { input: await inputIdentity(input), bundle: await bundleIdentity(bundle), options };
    const plan = planThreads({ threads: settings.threads, workers: settings.workers, intraOpThreads: settings.intraOpThreads, device: settings.device });
    const mode: OutputMode = settings.resume ? 'resume' : settings.force ? 'overwrite' : 'new';
    if (settings.outputDir !== undefined) {
      // What can be refused is refused before anything is created or removed in -o DIR: the input's own
      // errors (missing, a directory, a compression we do not read), the directory's (not empty, another run's
      // state), and below the models' (a bundle onnxruntime cannot load: the directory is opened after them).
      await checkInputOpens(input);
      if ((await PredictionDirectory.check(settings.outputDir, mode, identity)).complete) {
        log.info(`${settings.outputDir}: this run is already complete; nothing to do`);
        return EXIT.ok;
      }
    }

    const stats = new PredictStats();
    const runOptions: PredictOptions = {
      bundle,
      chunkLength,
      force: settings.force,
      device: settings.device,
      deviceId: settings.deviceId,
      threads: plan.threads,
      workers: settings.workers,
      ...(settings.intraOpThreads !== undefined ? { intraOpThreads: settings.intraOpThreads } : {}),
      allowSpinning: settings.allowSpinning,
      tokenBudget: settings.tokenBudget,
      window: settings.window,
      stats,
      onWarning: (warning) => warn(warning.message),
      signal,
    };
    const models = await startPredictModels(runOptions);
    try {
      const sink = settings.outputDir === undefined
        ? stdoutSink(settings, bundle, identity.bundle, chunkLength)
        : await directorySink(settings.outputDir, mode, identity, stats, log);
      if (sink === 'complete') {
        log.info(`${settings.outputDir}: this run is already complete; nothing to do`);
        return EXIT.ok;
      }
      const before = { frames: stats.frames, records: stats.records };
      const counts = { chunks: 0, frames: 0 };
      const report = new RunReport(log, input, stats.fasta, counts);
      const writeClock = new StageClock(stats.stages.write);
      const skipped = settings.skippedOut === undefined ? undefined : SkippedRecordsFile.create(settings.skippedOut);
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
          counts.frames += batch.count;
          writeClock.leave(1, rows);
        });
        checkExactlyOnce(stats, sink.rows());
        skipped?.close();
      } catch (error) {
        await sink.abandon();
        try {
          skipped?.close();
        } catch {
          // the run's own error is the one to report
        }
        throw afterFailure(error, signal, sink, log);
      }
      counts.chunks = stats.chunks;
      const summarize = (sort: ConsensusSortResult | undefined): RunSummary => {
        if (sort && sort.journalRows !== sink.rows().chunks) {
          throw accountingError([`${sink.rows().chunks} consensus rows written but ${sort.journalRows} read back from the journal`]);
        }
        return runSummary({ values, input: identity.input, bundle, identity: identity.bundle, plan, options, stats, before, started, sort, sink, warnings });
      };
      const sort = await sink.finish(summarize);
      report.finish('predict', summaryLines(summarize(sort)));
      return EXIT.ok;
    } finally {
      await models.close();
    }
  },
};

interface Settings {
  readonly models: string;
  readonly chunkLength: ChunkLength | undefined;
  readonly outputDir: string | undefined;
  readonly resume: boolean;
  readonly force: boolean;
  readonly perFrame: boolean;
  readonly format: StreamFormat;
  readonly skippedOut: string | undefined;
  readonly tokenBudget: number;
  readonly window: number;
  readonly workers: number;
  readonly intraOpThreads: number | undefined;
  readonly threads: number;
  readonly device: ExecutionProvider;
  readonly deviceId: number;
  readonly allowSpinning: boolean;
}

function readSettings(values: ParsedValues): Settings {
  const models = stringOption(values, 'models');
  if (models === undefined) throw usageError(spec, '-m/--models <dir> is required (models/demo runs the meaningless demo bundle)');
  const outputDir = stringOption(values, 'output-dir');
  const resume = values['resume'] === true;
  const perFrame = values['per-frame'] === true;
  if (resume && outputDir === undefined) throw usageError(spec, '--resume needs -o/--output-dir <dir>: only a results directory can be resumed');
  if (outputDir !== undefined && (perFrame || values['format'] !== 'tsv')) {
    throw usageError(spec, "--per-frame and --format apply to stdout; with -o/--output-dir the original's files are written");
  }
  return {
    models,
    chunkLength: intOption(values, 'chunk-length') as ChunkLength | undefined,
    outputDir,
    resume,
    force: values['force'] === true,
    perFrame,
    format: stringOption(values, 'format') as StreamFormat,
    skippedOut: stringOption(values, 'skipped-out'),
    tokenBudget: intOption(values, 'token-budget')!,
    window: intOption(values, 'window')!,
    workers: intOption(values, 'workers')!,
    intraOpThreads: intOption(values, 'intra-op-threads'),
    threads: intOption(values, 'threads')!,
    device: stringOption(values, 'device') as ExecutionProvider,
    deviceId: intOption(values, 'device-id')!,
    allowSpinning: values['allow-spinning'] === true,
  };
}

/** Where results go: stdout or an output directory, behind one interface. */
interface Sink {
  readonly resumeFrom: InputCheckpoint | undefined;
  readonly resumed: { readonly records: number; readonly commits: number } | undefined;
  /** Writes a batch; returns the rows written. */
  write(batch: PredictionBatch): Promise<number>;
  /** Ends a complete run; `summary` builds run_summary.json. Returns the consensus sort's counts (-o). */
  finish(summary: (sort: ConsensusSortResult | undefined) => RunSummary): Promise<ConsensusSortResult | undefined>;
  /** After an error or interruption: keeps what can be kept (a commit), closes files. */
  abandon(): Promise<void>;
  /** Frames and consensus rows of the batches written (a resumed run's committed ones included). */
  rows(): { readonly frames: number; readonly chunks: number };
  /** Rows per output, for the summary. */
  outputs(sort: ConsensusSortResult | undefined): Record<string, number>;
  /** What an interrupted run says: where its results stand and how to continue. */
  interruptedAt(): string | undefined;
}

function stdoutSink(settings: Settings, bundle: ModelBundle, identity: BundleIdentity, chunkLength: number): Sink {
  const out = openStdout();
  const rows = { frames: 0, chunks: 0 };
  let header = settings.format === 'tsv'
    ? `# virnucpro ${VERSION} predict: bundle '${bundle.name}' (manifest sha256 ${identity.manifestSha256.slice(0, 12)}), chunk length ${chunkLength}` +
      `${bundle.meaningless ? '; MEANINGLESS demo/test weights' : ''}\n${streamHeader(settings.perFrame)}`
    : `${JSON.stringify({ virnucpro: VERSION, bundle: bundle.name, manifest_sha256: identity.manifestSha256, chunk_length: chunkLength, meaningless: bundle.meaningless })}\n`;
  // Latin-1: ids go out as the bytes of the input header.
  const write = (text: string): Promise<void> => writeOutput(out, Buffer.from(text, 'latin1'));
  return {
    resumeFrom: undefined,
    resumed: undefined,
    async write(batch) {
      const text = header + (settings.perFrame ? frameRows(batch, settings.format) : chunkRows(batch, settings.format));
      header = '';
      await write(text);
      rows.frames += batch.count;
      rows.chunks += batch.consensus.count;
      return settings.perFrame ? batch.count : batch.consensus.count;
    },
    async finish() {
      await write(header); // an input without any kept frame still gets its header
      await finishOutput(out);
      return undefined;
    },
    abandon: () => Promise.resolve(),
    rows: () => rows,
    outputs: () => ({ stdout: settings.perFrame ? rows.frames : rows.chunks }),
    interruptedAt: () => undefined,
  };
}

async function directorySink(
  dir: string,
  mode: OutputMode,
  identity: { readonly input: InputIdentity; readonly bundle: BundleIdentity; readonly options: RunOptions },
  stats: PredictStats,
  log: Logger,
): Promise<Sink | 'complete'> {
  const interval = process.env['VIRNUCPRO_COMMIT_INTERVAL_MS'];
  const directory = await PredictionDirectory.open(dir, mode, identity, interval ? { commitIntervalMs: Number(interval) } : {});
  const resumed = directory.resumed;
  if (resumed?.complete) return 'complete';
  // The pipeline's counters run ahead of the output; what is committed describes exactly the records
  // committed, so it counts what was written (chunks of the batches written, rows written).
  let chunksWritten = resumed?.counters['chunks'] ?? 0;
  const committedCounters = (checkpoint: InputCheckpoint): RunCounters => ({
    records: checkpoint.records,
    chunks: chunksWritten,
    chunksWithKeptFrames: directory.rows.chunks,
    frames: directory.rows.frames,
  });
  if (resumed) {
    stats.records = resumed.checkpoint.records;
    stats.chunks = chunksWritten;
    stats.chunksWithKeptFrames = resumed.rows.chunks;
    stats.frames = resumed.rows.frames;
    log.info(`${dir}: resuming after ${resumed.checkpoint.records.toLocaleString('en-US')} records already done (the input is re-read and checked up to there)`);
  }
  let last = directory.committed;
  // The write in progress: consumeBatches rejects as soon as the pipeline fails, possibly while a batch is
  // being appended or committed; abandon() waits for it so that it never cuts a file under a write.
  let writing: Promise<unknown> = Promise.resolve();
  const write = async (batch: PredictionBatch): Promise<number> => {
    await directory.append(batch);
    chunksWritten += batch.chunks.recordIndex.length;
    if (batch.checkpoint) {
      last = batch.checkpoint;
      await directory.checkpoint(batch.checkpoint, committedCounters(batch.checkpoint));
    }
    return batch.count;
  };
  return {
    resumeFrom: resumed?.checkpoint,
    resumed: resumed ? { records: resumed.checkpoint.records, commits: resumed.commits } : undefined,
    write(batch) {
      const written = write(batch);
      writing = written.catch(() => undefined);
      return written;
    },
    finish: (summary) => directory.finish(last, committedCounters(last), (sort) => summary(sort)),
    async abandon() {
      await writing;
      // Commits the last complete input batch, then cuts both files back to it: what stays on disk is
      // exactly what a resume continues from, whole input batches only.
      await directory.abandon();
    },
    rows: () => directory.rows,
    outputs: (sort) => ({ [PREDICTION_RESULTS_FILE]: directory.rows.frames, [HIGHEST_SCORE_FILE]: sort?.rows ?? 0 }),
    interruptedAt: () => `${dir} holds the results of the first ${directory.committed.records.toLocaleString('en-US')} records`,
  };
}

/**
 * What a failed -o run tells the user: an interruption becomes exit 130 with the command that resumes it;
 * after another error the committed results are kept too, so the same hint is logged. Returns the error
 * to throw.
 */
function afterFailure(error: unknown, signal: AbortSignal, sink: Sink, log: Logger): unknown {
  const where = sink.interruptedAt();
  if (where === undefined || isBrokenPipe(error)) return error;
  const args = process.argv.slice(2);
  const again = `to continue: ${['virnucpro', ...args, ...(args.includes('--resume') ? [] : ['--resume'])].join(' ')}`;
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
function checkExactlyOnce(stats: PredictStats, rows: { readonly frames: number; readonly chunks: number }): void {
  const problems: string[] = [];
  if (rows.frames !== stats.frames) problems.push(`${stats.frames} kept frames but ${rows.frames} frame rows`);
  if (rows.chunks !== stats.chunksWithKeptFrames) problems.push(`${stats.chunksWithKeptFrames} chunks with kept frames but ${rows.chunks} consensus rows`);
  if (problems.length > 0) throw accountingError(problems);
}

function accountingError(problems: readonly string[]): VirnucproError {
  return new VirnucproError('INTERNAL', `accounting mismatch: ${problems.join('; ')}`, {
    hint: 'results are incomplete or duplicated: this is a bug, please report it with the command line',
  });
}

/** Opens the input and reads its first bytes, so that its errors come before any output exists (stdin excepted). */
async function checkInputOpens(input: string): Promise<void> {
  if (input === '-') return;
  const bytes = openInput(input)[Symbol.asyncIterator]();
  try {
    await bytes.next();
  } finally {
    await bytes.return?.();
  }
}

interface SummaryInputs {
  readonly values: ParsedValues;
  readonly input: InputIdentity;
  readonly bundle: ModelBundle;
  readonly identity: BundleIdentity;
  readonly plan: ThreadPlan;
  readonly options: RunOptions;
  readonly stats: PredictStats;
  /** Frames and records a resumed run had already done (this process's rates exclude them). */
  readonly before: { readonly frames: number; readonly records: number };
  readonly started: number;
  readonly sort: ConsensusSortResult | undefined;
  readonly sink: Sink;
  readonly warnings: readonly string[];
}

function runSummary(inputs: SummaryInputs): RunSummary {
  const { values, input, bundle, identity, plan, options, stats, before, started, sort, sink, warnings } = inputs;
  const seconds = (performance.now() - started) / 1000;
  return {
    virnucpro: VERSION,
    command: 'predict',
    arguments: process.argv.slice(2),
    finishedAt: new Date().toISOString(),
    input: { path: input.path, ...(input.size !== undefined ? { size: input.size, mtime: input.mtime! } : {}) },
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
    options: Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)),
    threads: plan,
    counts: {
      recordsRead: stats.fasta.records,
      recordsSkipped: { emptyRecord: stats.fasta.emptySkipped },
      chunks: stats.chunks,
      chunksWithKeptFrames: stats.chunksWithKeptFrames,
      framesKept: stats.frames,
      rowsWritten: sink.outputs(sort),
      duplicateChunkIdsMerged: sort?.mergedDuplicates ?? 0,
    },
    resume: { resumed: sink.resumed !== undefined, recordsAlreadyDone: sink.resumed?.records ?? 0, commits: sink.resumed?.commits ?? 0 },
    timing: {
      seconds,
      framesPerSecond: (stats.frames - before.frames) / Math.max(seconds, 1e-9),
      recordsPerSecond: (stats.records - before.records) / Math.max(seconds, 1e-9),
      stages: PREDICT_STAGES.map((stage) => stats.stages[stage].toJSON()),
    },
    packing: { dna: stats.dnaPacking.toJSON(), protein: stats.proteinPacking.toJSON() },
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    warnings,
  };
}
