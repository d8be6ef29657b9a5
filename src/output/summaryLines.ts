import type { CallCounts, CallSplit } from '../classify/callCounts.js';
import { encoderTitle } from '../model/manifest.js';
import type { PackingStatsJSON } from '../packing/packingStats.js';
import type { RunSummary, StageSummary } from './runSummaryJson.js';

/** The run summary's human-readable lines on stderr (predict's, and merge's calls line). */

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
      `packing ${Object.entries(summary.packing)
        .map(([name, packing]) => `${efficiency(packing)} (${encoderTitle(name)})`)
        .join(', ')} real tokens`,
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
