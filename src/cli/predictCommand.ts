import { availableParallelism } from 'node:os';
import { EXIT } from '../errors.js';
import { parseShard, type Shard } from '../fasta/shard.js';
import { parseDeviceIds } from '../model/deviceIds.js';
import type { ChunkLength } from '../model/manifest.js';
import type { ExecutionProvider } from '../model/sessionSettings.js';
import { openStdout } from '../output/outputStream.js';
import { STREAM_FORMATS, type StreamFormat } from '../output/predictionRows.js';
import type { DirectoryTableGroup } from '../output/directoryTable.js';
import { DIRECTORY_TABLE_GROUPS } from '../output/directoryTables.js';
import { runPredict } from '../pipeline/runPredict.js';
import { PREDICT_STAGES } from '../pipeline/predictStats.js';
import { summaryLines } from '../output/summaryLines.js';
import { PREDICT_DEFAULTS, type PredictDefault } from '../pipeline/predictDefaults.js';
import { inputArgument, intOption, stringOption, usageError, type CommandSpec, type OptionSpec, type ParsedValues } from './args.js';
import { EXIT_CODES_HELP, type Command } from './command.js';
import { MODEL_RUN_OPTIONS } from './embedCommand.js';
import { PROGRESS_INTERVAL_OPTION, progressInterval, RunReport } from './runReport.js';
import { CHUNK_LENGTH_OPTION, INPUT_HELP, MODELS_OPTION, NAMING_HELP } from './sharedOptions.js';

/** A shared model option of MODEL_RUN_OPTIONS with predict's default from the table. */
function withDefault(name: string, row: PredictDefault<number | string>): OptionSpec {
  return { ...MODEL_RUN_OPTIONS[name]!, default: String(row.value) };
}

const spec: CommandSpec = {
  name: 'predict',
  summary: 'viral or not, per chunk (and per frame), with a VirNucPro model bundle',
  usage: '--models <dir> [-o <dir> [--resume]] [options] [<input>|-]',
  options: {
    models: MODELS_OPTION,
    'chunk-length': {
      ...CHUNK_LENGTH_OPTION,
      default: undefined,
      description: "chunk length in bases (default: the bundle's; another one needs --accept-chunk-length or --force)",
    },
    'output-dir': {
      type: 'string',
      short: 'o',
      value: '<dir>',
      description:
        "write the original's prediction_results.txt and prediction_results_highestscore.csv, plus run_summary.json, there (resumable)",
    },
    resume: { type: 'boolean', description: 'with -o: continue an interrupted run in that directory (starts afresh when it holds none)' },
    // A switch per optional table group of -o (src/output/directoryTables.ts): --score-tables.
    ...Object.fromEntries(DIRECTORY_TABLE_GROUPS.map((group) => [group.flag, { type: 'boolean', description: group.description }])),
    shard: {
      type: 'string',
      value: '<K/N>',
      description: "read only shard K of N of a plain input file (also K-of-N); 'virnucpro merge' gathers the -o directories of all N",
    },
    force: { type: 'boolean', description: 'both --overwrite and --accept-chunk-length' },
    overwrite: {
      type: 'boolean',
      description: "with -o: replace virnucpro's results in a non-empty directory (other files are left alone)",
    },
    'accept-chunk-length': {
      type: 'boolean',
      description: 'run a --chunk-length the classifier was not trained for (predictions are unreliable; outputs say so)',
    },
    'per-frame': { type: 'boolean', description: 'stdout: one row per kept frame instead of one per chunk' },
    format: {
      type: 'string',
      short: 'f',
      value: '<tsv|jsonl>',
      description: "stdout format (not with -o, which writes the original's tab-separated files)",
      choices: STREAM_FORMATS,
      default: 'tsv',
    },
    'progress-interval': PROGRESS_INTERVAL_OPTION,
    'skipped-out': {
      type: 'string',
      value: '<file>',
      description: 'write every input record that was skipped (TSV: record_id, header_line, reason) to this file',
    },
    ...MODEL_RUN_OPTIONS,
    // The defaults a run takes are the run plan's table (src/pipeline/predictDefaults.ts): --help shows those.
    'token-budget': withDefault('token-budget', PREDICT_DEFAULTS.tokenBudget),
    window: withDefault('window', PREDICT_DEFAULTS.window),
    workers: withDefault('workers', PREDICT_DEFAULTS.workers),
    device: withDefault('device', PREDICT_DEFAULTS.device),
    'device-id': withDefault('device-id', PREDICT_DEFAULTS.deviceId),
    threads: {
      ...MODEL_RUN_OPTIONS['threads']!,
      description: 'CPU threads for the whole run, split between the stages (see Threads below)',
      default: String(availableParallelism()),
    },
    'intra-op-threads': {
      ...MODEL_RUN_OPTIONS['intra-op-threads']!,
      description: 'onnxruntime threads per encoder worker (default: see Threads below)',
    },
    'allow-spinning': {
      type: 'boolean',
      description: "let onnxruntime's threads spin-wait between operations (off by default: the model pools share the cores)",
    },
  },
  details: `Output without -o: stdout, one row per chunk that kept at least one frame, streamed in input order as
chunks complete (so '| head' ends the run early, exit 0). --format tsv starts with its header line:
  chunk_id  is_virus  max_score1  max_score2
is_virus is True when max_score2 >= max_score1 over the chunk's kept frames (a tie is True), as in the
original. With --per-frame, one row per kept frame instead:
  frame_id  prediction  score1  score2
prediction is virus when score2 > score1 (a tie is others). score1 = P(others), score2 = P(virus), written
like the original (numpy float32 str(): 0.72815406, 1e-06). --format jsonl: one object per row, nothing
else, with the keys above (is_virus a boolean, scores numbers). The model and chunk length used go to
stderr (and run_summary.json with -o), not among the rows. Rows on stdout are not sorted and reads with
duplicate ids give separate rows.

With -o DIR: the original's two files (byte-compatible: tab-separated, same headers and number format,
the consensus sorted lexicographically like pandas groupby, a_chunk_10 before a_chunk_9, and rows of
reads sharing an id merged as the original's groupby merges them), plus DIR/run_summary.json (model,
checksums, chunk length, counts, timings, options), and at the end report.html (self-contained: counts,
score histogram, per-stage rates) and virnucpro_*_mqc.json for MultiQC (docs/reports.md). --score-tables
adds chunk_scores.tsv (chunk_id, is_virus, max_score1, max_score2: one row per chunk with a call, input
order) and record_scores.tsv (sequence_id, chunks, viral_chunks, max_score2: one row per input record, 0
chunks and NA for a read without a call). DIR must be empty or absent unless --overwrite or --force (which
replaces only virnucpro's files) or --resume. Results are committed durably every few seconds; after a
crash or kill, the same command with --resume continues where the last commit left off and gives
byte-identical files. A changed input, bundle or chunk length is refused (exit 6). Ctrl-C (SIGINT) or
SIGTERM stops reading, drops the work in flight, commits, and exits 130 saying how to resume.

Shards (--shard K/N, one job each): shard K holds the records from the first sync record whose header
starts at or after byte (K-1)*S/N of the file (S its size) up to the first one at or after byte K*S/N;
sync records (about one per MiB) are where every run starts an input batch, so the shard's scores are
those of the whole run. 'virnucpro merge OUT DIR...' gathers the -o directories of all N into the files of
one run, byte for byte (docs/predict.md, "Shards and merge"). A plain FASTA file only: gzip, stdin and
FASTQ (whose quality lines may start with '@') are refused (seqkit split2 -s splits them in order).
Line numbers in a shard's messages count from its first byte.

Threads (-j or -t, default all cores): on the CPU the two encoders share them, 1/8 to DNABERT-S and the rest to
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

export const predictCommand: Command = {
  spec,
  async run({ values, positionals }, { log, signal }) {
    const input = inputArgument(spec, positionals);
    const settings = readSettings(values);
    const interval = process.env['VIRNUCPRO_COMMIT_INTERVAL_MS'];
    const args = process.argv.slice(2);
    let report: RunReport | undefined;
    const result = await runPredict(input, {
      models: settings.models,
      output:
        settings.outputDir === undefined
          ? { stream: openStdout(), format: settings.format, perFrame: settings.perFrame }
          : {
              dir: settings.outputDir,
              mode: settings.resume ? 'resume' : settings.overwrite ? 'overwrite' : 'new',
              tables: settings.tables,
              ...(interval ? { commitIntervalMs: Number(interval) } : {}),
            },
      chunkLength: settings.chunkLength,
      acceptChunkLength: settings.acceptChunkLength,
      ...(settings.shard ? { shard: settings.shard } : {}),
      verifyChecksums: values['skip-checksums'] !== true,
      ...(settings.skippedOut !== undefined ? { skippedOut: settings.skippedOut } : {}),
      threads: settings.threads,
      workers: settings.workers,
      ...(settings.intraOpThreads !== undefined ? { intraOpThreads: settings.intraOpThreads } : {}),
      device: settings.device,
      deviceId: settings.deviceIds,
      allowSpinning: settings.allowSpinning,
      tokenBudget: settings.tokenBudget,
      window: settings.window,
      log,
      signal,
      resumeHint: ['virnucpro', ...args, ...(args.includes('--resume') ? [] : ['--resume'])].join(' '),
      invocation: { arguments: args, options: Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) },
      onStart: ({ stats, written }) => {
        report = new RunReport(log, input, stats.fasta, written, {
          intervalSeconds: settings.progressIntervalSeconds,
          work: {
            basesDone: () => written.bases,
            basesSkipped: () => stats.resumedBases,
            inputEnded: () => stats.inputEnded,
            ...(settings.shard ? { shards: settings.shard.count } : {}),
            stages: PREDICT_STAGES.map((stage) => stats.stages[stage]),
          },
        });
      },
    });
    if (result.summary) report?.finish('predict', summaryLines(result.summary));
    return EXIT.ok;
  },
};

interface Settings {
  readonly models: string;
  readonly chunkLength: ChunkLength | undefined;
  readonly outputDir: string | undefined;
  readonly resume: boolean;
  /** The optional tables switched on. */
  readonly tables: readonly DirectoryTableGroup[];
  /** --overwrite or --force. */
  readonly overwrite: boolean;
  /** --accept-chunk-length or --force. */
  readonly acceptChunkLength: boolean;
  readonly shard: Shard | undefined;
  readonly perFrame: boolean;
  readonly format: StreamFormat;
  readonly skippedOut: string | undefined;
  readonly tokenBudget: number;
  readonly window: number;
  readonly workers: number;
  readonly intraOpThreads: number | undefined;
  readonly threads: number;
  readonly device: ExecutionProvider;
  readonly deviceIds: number[];
  readonly allowSpinning: boolean;
  readonly progressIntervalSeconds: number;
}

function readSettings(values: ParsedValues): Settings {
  const models = stringOption(values, 'models');
  if (models === undefined) throw usageError(spec, '-m/--models <dir> is required (models/demo runs the meaningless demo bundle)');
  const outputDir = stringOption(values, 'output-dir');
  const resume = values['resume'] === true;
  const perFrame = values['per-frame'] === true;
  if (resume && outputDir === undefined)
    throw usageError(spec, '--resume needs -o/--output-dir <dir>: only a results directory can be resumed');
  const tables = DIRECTORY_TABLE_GROUPS.filter((group) => values[group.flag] === true);
  if (tables.length > 0 && outputDir === undefined)
    throw usageError(spec, `--${tables[0]!.flag} needs -o/--output-dir <dir>: ${tables[0]!.needsDir}`);
  if (outputDir !== undefined && (perFrame || values['format'] !== 'tsv')) {
    throw usageError(
      spec,
      "--per-frame and --format jsonl apply to stdout; with -o/--output-dir the original's tab-separated files are written (drop -o to stream JSON lines)",
    );
  }
  const shardText = stringOption(values, 'shard');
  const shard = shardText === undefined ? undefined : parseShard(shardText);
  if (shardText !== undefined && shard === undefined) {
    throw usageError(spec, `invalid --shard ${shardText}: expected K/N or K-of-N, whole numbers with 1 <= K <= N`);
  }
  return {
    models,
    chunkLength: intOption(values, 'chunk-length') as ChunkLength | undefined,
    outputDir,
    resume,
    tables,
    overwrite: values['force'] === true || values['overwrite'] === true,
    acceptChunkLength: values['force'] === true || values['accept-chunk-length'] === true,
    shard,
    perFrame,
    format: stringOption(values, 'format') as StreamFormat,
    skippedOut: stringOption(values, 'skipped-out'),
    tokenBudget: intOption(values, 'token-budget')!,
    window: intOption(values, 'window')!,
    workers: intOption(values, 'workers')!,
    intraOpThreads: intOption(values, 'intra-op-threads'),
    threads: intOption(values, 'threads')!,
    device: stringOption(values, 'device') as ExecutionProvider,
    deviceIds: parseDeviceIds(stringOption(values, 'device-id')!),
    allowSpinning: values['allow-spinning'] === true,
    progressIntervalSeconds: progressInterval(spec, values),
  };
}
