import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { VirnucproError } from '../errors.js';
import type { RunSummary } from './runSummaryJson.js';
import { scoreHistogram, type ScoreHistogram } from './scoreHistogram.js';

/**
 * What the reports of a `predict -o DIR` run show, read back from the directory once the run is complete:
 * its run_summary.json (the fields below; docs/predict.md documents them) and the histogram of its chunk
 * scores from prediction_results.txt. Reading the files, not the run's memory, makes a resumed run's
 * reports cover the whole run.
 */

/**
 * The part of run_summary.json the reports read. `timing.series` is optional: the run summaries of versions
 * before it lack it, and a finished run of theirs gets its reports on --resume.
 */
export type ReportSummary = Pick<
  RunSummary,
  'virnucpro' | 'arguments' | 'finishedAt' | 'input' | 'shard' | 'bundle' | 'chunkLength' | 'options' | 'counts' | 'resume' | 'warnings'
> & {
  readonly timing: Omit<RunSummary['timing'], 'series'> & Partial<Pick<RunSummary['timing'], 'series'>>;
};

export interface ReportData {
  /** The sample's name in MultiQC and the report's title: the input file's name without its extensions. */
  readonly sample: string;
  readonly summary: ReportSummary;
  readonly histogram: ScoreHistogram;
}

/** Reads a complete run's report data from its -o directory. */
export async function readReportData(
  dir: string,
  files: { readonly summary: string; readonly predictionResults: string },
): Promise<ReportData> {
  const summaryFile = path.join(dir, files.summary);
  let summary: ReportSummary;
  try {
    summary = JSON.parse(await readFile(summaryFile, 'utf8')) as ReportSummary;
  } catch (error) {
    throw new VirnucproError('OUTPUT_WRITE', `cannot read the run summary back for the reports: ${(error as Error).message}`, {
      position: { file: summaryFile },
      cause: error,
    });
  }
  const histogram = await scoreHistogram(path.join(dir, files.predictionResults));
  return { sample: sampleName(summary, dir), summary, histogram };
}

/**
 * `reads` for reads.fa.gz, reads.fastq, reads.fa; a shard adds ` (shard 2/4)`; stdin takes the output
 * directory's name.
 */
export function sampleName(summary: Pick<ReportSummary, 'input' | 'shard'>, dir: string): string {
  const input = summary.input.path;
  const base =
    input === '-'
      ? path.basename(path.resolve(dir))
      : path
          .basename(input)
          .replace(/(\.(gz|bgz))?$/i, '')
          .replace(/\.(fa|fasta|fna|fas|ffn|fq|fastq|txt)$/i, '');
  return summary.shard === null ? base : `${base} (shard ${summary.shard})`;
}
