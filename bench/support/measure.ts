import { spawn, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Measured {
  readonly wallMs: number;
  /** Peak resident set size of the child in MiB (VmHWM polled from /proc; Linux only, else NaN). */
  readonly peakRssMiB: number;
  readonly exitCode: number | null;
  readonly stderr: string;
  /**
   * CPU time of the child, user + system, all its threads (utime + stime polled from /proc/<pid>/stat every
   * RSS_POLL_MS, so the last poll's tick is lost; Linux only, else NaN).
   */
  readonly cpuSeconds: number;
}

/** USER_HZ: the unit of /proc/<pid>/stat times (100 on every Linux build that matters). */
const CLOCK_TICKS_PER_SECOND = 100;

function readCpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

/** How often the child's high-water mark is read. VmHWM is monotonic, so polling loses at most the last tick. */
const RSS_POLL_MS = 50;

function readHwmKiB(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** Polls a process's peak RSS; call the returned function to stop and get the peak in MiB. */
export function watchPeakRss(pid: number): () => number {
  let peakKiB = NaN;
  const poll = setInterval(() => {
    const kib = readHwmKiB(pid);
    if (!Number.isNaN(kib)) peakKiB = Number.isNaN(peakKiB) ? kib : Math.max(peakKiB, kib);
  }, RSS_POLL_MS);
  return () => {
    clearInterval(poll);
    return peakKiB / 1024;
  };
}

/** Runs a command to completion, timing it and tracking its peak RSS. */
export function runMeasured(command: string, args: readonly string[], stdio: StdioOptions): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio });
    const stopWatching = watchPeakRss(child.pid!);
    let cpuTicks = NaN;
    const cpuPoll = setInterval(() => {
      const ticks = readCpuTicks(child.pid!);
      if (!Number.isNaN(ticks)) cpuTicks = ticks;
    }, RSS_POLL_MS);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(cpuPoll);
      resolve({
        wallMs: performance.now() - started,
        peakRssMiB: stopWatching(),
        exitCode: code,
        stderr,
        cpuSeconds: cpuTicks / CLOCK_TICKS_PER_SECOND,
      });
    });
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Prints a Markdown table (benchmarks print comparable tables, nothing else on stdout). */
export function printTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  const cells = [header, ...rows.map((row) => row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell)))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => String(row[i] ?? '').length)));
  const line = (row: readonly (string | number)[]) => `| ${row.map((cell, i) => String(cell).padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(cells[0]!));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const row of cells.slice(1)) console.log(line(row));
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2);
}
