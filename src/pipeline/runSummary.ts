import type { CallCounts, CallSplit } from '../classify/callCounts.js';
import type { PackingStatsJSON } from '../packing/packingStats.js';
import type { InferenceBackendDescription } from '../model/inferenceBackend.js';
import type { StageSeriesJSON } from './stageSeries.js';
import type { ThreadPlan } from './threadPlan.js';

/**
 * The run summary of `virnucpro predict`: `run_summary.json` in the output directory, and its
 * human-readable lines on stderr. docs/predict.md documents every field.
 */

export interface StageSummary {
  readonly name: string;
  readonly rows: number;
  readonly busySeconds: number;
  readonly rowsPerSecond: number;
}

export interface RunSummary {
  readonly virnucpro: string;
  readonly command: 'predict';
  readonly arguments: readonly string[];
  readonly finishedAt: string;
  readonly input: { readonly path: string; readonly size?: number; readonly mtime?: string };
  /** The shard of the input this run read (`K/N`, src/fasta/shard.ts); null for the whole input. */
  readonly shard: string | null;
  readonly bundle: {
    readonly name: string;
    readonly manifest: string;
    readonly manifestSha256: string;
    readonly chunkLength: number;
    readonly meaningless: boolean;
    readonly provenance: Readonly<Record<string, string>>;
    /** Exactly the files loaded (names as in the manifest), each with its verified sha256 or `unverified`. */
    readonly files: Readonly<Record<string, string>>;
  };
  readonly chunkLength: number;
  /** Set when --force ran a chunk length the classifier was not trained for. */
  readonly forcedChunkLength: number | null;
  readonly options: Readonly<Record<string, unknown>>;
  readonly threads: ThreadPlan;
  /** Where each model ran (InferenceBackend.describe()). */
  readonly backends: {
    readonly dna: InferenceBackendDescription;
    readonly protein: InferenceBackendDescription;
    readonly classifier: InferenceBackendDescription;
  };
  readonly counts: {
    /** Non-empty records read (all of them, those a resume skipped included). */
    readonly recordsRead: number;
    readonly recordsSkipped: { readonly emptyRecord: number };
    readonly chunks: number;
    readonly chunksWithKeptFrames: number;
    readonly framesKept: number;
    /** Chunks and reads (input records) called viral, not viral, or uncallable (docs/predict.md, "Calls"). */
    readonly calls: CallCounts;
    /** Rows (header excluded) per output: the two files of -o DIR, or stdout. */
    readonly rowsWritten: Readonly<Record<string, number>>;
    /** Consensus rows merged because reads share an id (the original's groupby merges them too). */
    readonly duplicateChunkIdsMerged: number;
  };
  readonly resume: { readonly resumed: boolean; readonly recordsAlreadyDone: number; readonly commits: number };
  /** Of this process (a resumed run times its own part). */
  readonly timing: {
    readonly seconds: number;
    readonly framesPerSecond: number;
    readonly recordsPerSecond: number;
    readonly stages: readonly StageSummary[];
    /** The stages' cumulative rows sampled over the run (report.html plots their rates). */
    readonly series: StageSeriesJSON;
  };
  readonly packing: { readonly dna: PackingStatsJSON; readonly protein: PackingStatsJSON };
  readonly peakRssMiB: number;
  readonly warnings: readonly string[];
}

/** The closing lines on stderr: counts, rows, packing, the per-stage table. */
export function summaryLines(summary: RunSummary): string[] {
  const c = summary.counts;
  const t = summary.timing;
  const written = Object.entries(c.rowsWritten)
    .map(([output, rows]) => `${n(rows)} to ${output}`)
    .join(', ');
  const lines = [
    `${n(c.chunksWithKeptFrames)} of ${n(c.chunks)} chunks kept ${n(c.framesKept)} frames; rows written: ${written}` +
      (c.duplicateChunkIdsMerged > 0 ? ` (${n(c.duplicateChunkIdsMerged)} rows of reads with duplicate ids merged)` : ''),
    callsLine(c.calls),
    `model '${summary.bundle.name}', chunk length ${summary.chunkLength}${summary.forcedChunkLength === null ? '' : ' (FORCED: not what the classifier was trained for)'}; ` +
      `packing ${efficiency(summary.packing.dna)} (DNA), ${efficiency(summary.packing.protein)} (protein) real tokens`,
    `${n(t.framesPerSecond)} frames/s over ${t.seconds.toFixed(2)} s; per stage:`,
    ...stageTable(t.stages),
  ];
  if (summary.resume.resumed) lines.push(`resumed after ${n(summary.resume.recordsAlreadyDone)} records already done`);
  return lines;
}

/** `calls: reads 5 viral, 2 not viral, 1 uncallable; chunks 9 viral, 4 not viral, 3 uncallable` (also merge's). */
export function callsLine(calls: CallCounts): string {
  const split = (unit: string, counts: CallSplit): string =>
    `${unit} ${n(counts.viral)} viral, ${n(counts.notViral)} not viral, ${n(counts.uncallable)} uncallable`;
  return `calls: ${split('reads', calls.reads)}; ${split('chunks', calls.chunks)}`;
}

/** The per-stage telemetry as aligned text rows (header first). */
export function stageTable(stages: readonly StageSummary[]): string[] {
  const rows = [
    ['stage', 'rows', 'busy s', 'rows/s'],
    ...stages.map((s) => [s.name, n(s.rows), s.busySeconds.toFixed(2), n(s.rowsPerSecond)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}

function efficiency(packing: PackingStatsJSON): string {
  return packing.efficiency === null ? 'n/a' : `${(packing.efficiency * 100).toFixed(1)} %`;
}

function n(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
