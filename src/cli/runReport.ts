import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { FastaStats } from '../fasta/fastaStats.js';
import { ENCODER_NAMES, type EncoderName } from '../model/manifest.js';
import type { PredictStage, StageTelemetry } from '../pipeline/predictStats.js';
import { usageError, type CommandSpec, type OptionSpec, type ParsedValues } from './args.js';
import type { Logger } from './log.js';

/** Counts a command accumulates at its sink, for progress and the closing summary. */
export interface RunCounts {
  chunks: number;
  frames: number;
}

/**
 * What `predict`'s progress reads besides the counts: the work finished through the last stage, measured in
 * input bases, and the stages' rows. `chunk` and `translate` have none (they run at disk speed and show counts
 * and a rate only).
 */
export interface WorkProgress {
  /** Input bases whose every result has been written (a resumed run's skipped bases included). */
  readonly basesDone: () => number;
  /** Of those, the bases a resumed run skipped: done before this process, so not part of its rate. */
  readonly basesSkipped: () => number;
  /** Whether the reader has reached the end of the input: its bases are then the total, not an estimate. */
  readonly inputEnded: () => boolean;
  /** Input files split in this many shards (this run reads one): its share of the file's bytes. Default 1. */
  readonly shards?: number;
  /** The stages' counters, in pipeline order. */
  readonly stages: readonly StageTelemetry[];
}

/** --progress-interval of the commands that report progress. */
export const PROGRESS_INTERVAL_OPTION: OptionSpec = {
  type: 'string',
  value: '<seconds>',
  description: 'when stderr is not a terminal (a log file): one time-stamped progress line this often (fractions allowed)',
  default: '30',
};

/** Seconds between two progress lines, from --progress-interval: a positive number. */
export function progressInterval(spec: CommandSpec, values: ParsedValues): number {
  const text = values['progress-interval'];
  const seconds = typeof text === 'string' && /^\d*\.?\d+$/.test(text) ? Number(text) : NaN;
  if (!(seconds > 0))
    throw usageError(spec, `invalid --progress-interval ${String(text)}: expected a positive number of seconds (e.g. 30, 0.5)`);
  return seconds;
}

/** How often the progress line is redrawn on a terminal. */
const REDRAW_SECONDS = 1;
/** On a terminal, the least time the per-stage rates are averaged over (a redraw each second would jitter). */
const TERMINAL_RATE_WINDOW_SECONDS = 10;

/** Rows each stage has emitted at a moment: the rates between two of them. */
interface Sample {
  readonly seconds: number;
  readonly rows: readonly number[];
}

/**
 * Progress on stderr while a command runs (never with --quiet). On a terminal, one line redrawn every
 * second; otherwise (a log file) one line every `intervalSeconds`, through the logger, so it carries a time
 * stamp. The fraction done and the ETA count work finished through the last stage (input bases whose
 * results are written) against the input's bases: known when the reader has reached the end, estimated
 * before from the plain input file's size and the bases per byte read so far. No fraction for stdin or a
 * gzip input (their size in bases cannot be known ahead), nor without `work`.
 */
export class RunReport {
  readonly #started = performance.now();
  readonly #log: Logger;
  readonly #stats: FastaStats;
  readonly #counts: RunCounts;
  readonly #work: WorkProgress | undefined;
  readonly #inputBytes: number | undefined;
  readonly #terminal: boolean;
  #window: Sample;
  #timer: NodeJS.Timeout | undefined;

  constructor(log: Logger, input: string, stats: FastaStats, counts: RunCounts, options: { intervalSeconds: number; work?: WorkProgress }) {
    this.#log = log;
    this.#stats = stats;
    this.#counts = counts;
    this.#work = options.work;
    const fileBytes = plainFileSize(input);
    this.#inputBytes = fileBytes === undefined ? undefined : fileBytes / (options.work?.shards ?? 1);
    this.#terminal = process.stderr.isTTY === true;
    this.#window = this.#sample();
    if (log.quiet) return;
    if (this.#terminal) {
      // Cut to the terminal's width: a wrapped line could not be redrawn in place (the stage rates come last).
      const redraw = (): string =>
        this.#progressLine(TERMINAL_RATE_WINDOW_SECONDS).slice(0, Math.max(20, (process.stderr.columns || 80) - 1));
      this.#timer = setInterval(() => process.stderr.write(`\r\x1b[K${redraw()}`), REDRAW_SECONDS * 1000);
    } else {
      this.#timer = setInterval(() => log.info(this.#progressLine(0)), options.intervalSeconds * 1000);
    }
    this.#timer.unref();
  }

  get seconds(): number {
    return (performance.now() - this.#started) / 1000;
  }

  /** Stops the progress line and prints the summary lines (unless quiet). */
  finish(command: string, extra: readonly string[] = []): void {
    if (this.#timer) {
      clearInterval(this.#timer);
      if (this.#terminal) process.stderr.write('\r\x1b[K');
    }
    const s = this.#stats;
    const seconds = this.seconds;
    this.#log.info(
      `${command}: ${n(s.records)} records (${n(s.bases)} bases) → ${n(this.#counts.chunks)} chunks → ` +
        `${n(this.#counts.frames)} frames kept in ${seconds.toFixed(2)} s ` +
        `(${n(s.records / Math.max(seconds, 1e-9))} records/s); peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
    );
    if (s.emptySkipped > 0) this.#log.info(`skipped ${n(s.emptySkipped)} empty record(s)`);
    for (const line of extra) this.#log.info(line);
  }

  /** The progress line; stage rates are averaged since the last line at least `windowSeconds` ago. */
  #progressLine(windowSeconds: number): string {
    const now = this.#sample();
    const s = this.#stats;
    const counts = `${n(s.records)} records read, ${n(this.#counts.chunks)} chunks and ${n(this.#counts.frames)} frames written`;
    const work = this.#work;
    if (work === undefined) {
      const rate = this.#counts.frames / Math.max(now.seconds, 1e-9);
      return `progress: ${counts} (${n(rate)} frames/s)`;
    }
    const since = this.#window;
    if (now.seconds - since.seconds >= windowSeconds) this.#window = now;
    return `progress: ${this.#fraction(work, now.seconds)}; ${counts}; ${stageRates(work.stages, since, now)}`;
  }

  /** `37.5 % of ~1.2 Gbp, ETA 1:02:03`, or the bases done alone when the total cannot be known. */
  #fraction(work: WorkProgress, seconds: number): string {
    const done = work.basesDone();
    const ended = work.inputEnded();
    const s = this.#stats;
    const total = ended ? s.bases : this.#inputBytes !== undefined && s.bytes > 0 ? (this.#inputBytes * s.bases) / s.bytes : undefined;
    if (total === undefined || total <= 0) return `${bp(done)} done (input size unknown: no percentage)`;
    // An estimate can fall short of the truth: never claim the end before the reader has seen it.
    const fraction = Math.min(done / total, ended ? 1 : 0.999);
    const rate = (done - work.basesSkipped()) / Math.max(seconds, 1e-9);
    const eta = rate > 0 ? `ETA ${duration((total - Math.min(done, total)) / rate)}` : 'ETA unknown';
    return `${(fraction * 100).toFixed(1)} % of ${ended ? '' : '~'}${bp(total)} done, ${eta}`;
  }

  #sample(): Sample {
    return { seconds: this.seconds, rows: (this.#work?.stages ?? []).map((stage) => stage.rows) };
  }
}

/** What each stage's rows are (src/pipeline/predictStats.ts). */
const STAGE_UNITS = {
  read: 'records',
  translate: 'frames',
  ...(Object.fromEntries(ENCODER_NAMES.map((name) => [`embed-${name}`, 'frames'])) as Record<`embed-${EncoderName}`, 'frames'>),
  classify: 'frames',
  write: 'rows',
} as const satisfies Readonly<Record<PredictStage, string>>;

/** `rates over the last 30.0 s: read 1,234 records/s, translate …`. */
function stageRates(stages: readonly StageTelemetry[], since: Sample, now: Sample): string {
  const seconds = Math.max(now.seconds - since.seconds, 1e-9);
  const rates = stages.map((stage, i) => `${stage.name} ${n((now.rows[i]! - since.rows[i]!) / seconds)} ${STAGE_UNITS[stage.name]}/s`);
  return `rates over the last ${seconds.toFixed(1)} s: ${rates.join(', ')}`;
}

/**
 * Size of a regular, uncompressed file: the only input whose size in bases can be estimated ahead.
 * Compression is sniffed from the magic bytes like the reader does (gzip 1f 8b), not guessed from the name.
 */
function plainFileSize(input: string): number | undefined {
  if (input === '-') return undefined;
  try {
    const stat = statSync(input);
    if (!stat.isFile()) return undefined;
    const magic = Buffer.alloc(2);
    const fd = openSync(input, 'r');
    try {
      readSync(fd, magic, 0, 2, 0);
    } finally {
      closeSync(fd);
    }
    return magic[0] === 0x1f && magic[1] === 0x8b ? undefined : stat.size;
  } catch {
    return undefined;
  }
}

/**
 * A count with thousands separators, as toLocaleString('en-US') writes it. Written out because the first
 * toLocaleString of a process initialises ICU: ~25 ms at the end of every run, 2-3 % of translating a
 * million reads.
 */
export function n(value: number): string {
  const rounded = Math.round(value);
  const grouped = String(Math.abs(rounded)).replace(/\B(?=(\d{3})+$)/g, ',');
  return rounded < 0 ? `-${grouped}` : grouped;
}

/** Bases in the largest unit that keeps a digit before the point: `850 bp`, `3.2 Mbp`. */
export function bp(bases: number): string {
  const units = ['bp', 'kbp', 'Mbp', 'Gbp', 'Tbp'];
  let value = bases;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} bp` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `m:ss` or `h:mm:ss`. */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h > 0 ? `${h}:` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s % 60).padStart(2, '0')}`;
}
