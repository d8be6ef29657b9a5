import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { FastaStats } from '../fasta/fastaStats.js';
import type { Logger } from './log.js';

/** Counts a command accumulates at its sink, for progress and the closing summary. */
export interface RunCounts {
  chunks: number;
  frames: number;
}

/** How often the progress line is redrawn. */
const PROGRESS_INTERVAL_MS = 1000;

/**
 * Progress on stderr while a command runs, only when stderr is a terminal and not --quiet (a log file
 * gets the closing summary only). ETA is shown when the input is a plain file of known size.
 */
export class RunReport {
  readonly #started = performance.now();
  readonly #log: Logger;
  readonly #stats: FastaStats;
  readonly #counts: RunCounts;
  readonly #totalBytes: number | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(log: Logger, input: string, stats: FastaStats, counts: RunCounts) {
    this.#log = log;
    this.#stats = stats;
    this.#counts = counts;
    this.#totalBytes = plainFileSize(input);
    if (!log.quiet && process.stderr.isTTY) {
      this.#timer = setInterval(() => process.stderr.write(`\r\x1b[K${this.#progressLine()}`), PROGRESS_INTERVAL_MS);
      this.#timer.unref();
    }
  }

  get seconds(): number {
    return (performance.now() - this.#started) / 1000;
  }

  /** Stops the progress line and prints the summary lines (unless quiet). */
  finish(command: string, extra: readonly string[] = []): void {
    if (this.#timer) {
      clearInterval(this.#timer);
      process.stderr.write('\r\x1b[K');
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

  #progressLine(): string {
    const s = this.#stats;
    const seconds = this.seconds;
    const rate = this.#counts.frames / Math.max(seconds, 1e-9);
    let line = `[INFO] ${n(s.records)} records, ${n(this.#counts.frames)} frames (${n(rate)} frames/s)`;
    if (this.#totalBytes && s.bytes > 0) {
      const done = Math.min(1, s.bytes / this.#totalBytes);
      const eta = done > 0 ? (seconds / done) * (1 - done) : NaN;
      line += `, ${(done * 100).toFixed(1)}%` + (Number.isFinite(eta) ? `, ETA ${duration(eta)}` : '');
    }
    return line;
  }
}

/**
 * Size of a regular, uncompressed file: the only case where decompressed bytes read give a true fraction.
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

function duration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h > 0 ? `${h}:` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s % 60).padStart(2, '0')}`;
}
