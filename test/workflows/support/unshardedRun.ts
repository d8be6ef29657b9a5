import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { runCli } from '../../support/cli.js';
import { REPO_ROOT } from '../../support/shared.js';

export const DEMO = path.join(REPO_ROOT, 'models', 'demo');
/** What a workflow's merge writes with score_tables on, each to be byte-identical to one unsharded run's. */
export const MERGED_FILES = ['prediction_results.txt', 'prediction_results_highestscore.csv', 'chunk_scores.tsv', 'record_scores.tsv'];

/**
 * Runs `reads` unsharded into `whole` (demo bundle, --score-tables) and expects a workflow's `merged` directory
 * to hold its files byte for byte and its counts, merged from three shards that each held records (not vacuous).
 */
export async function expectSameAsUnsharded(reads: string, merged: string, whole: string): Promise<void> {
  const run = await runCli(['predict', '-q', '-j', '1', '--models', DEMO, '--score-tables', '-o', whole, reads]);
  expect(run.code, run.stderr).toBe(0);
  for (const file of MERGED_FILES)
    expect(await readFile(path.join(merged, file), 'latin1'), file).toBe(await readFile(path.join(whole, file), 'latin1'));
  const summary = JSON.parse(await readFile(path.join(merged, 'run_summary.json'), 'utf8')) as {
    counts: Record<string, unknown>;
    parts: { recordsRead: number }[];
  };
  const unsharded = JSON.parse(await readFile(path.join(whole, 'run_summary.json'), 'utf8')) as { counts: Record<string, unknown> };
  expect(summary.counts).toEqual(unsharded.counts);
  expect(summary.parts.map((part) => part.recordsRead > 0)).toEqual([true, true, true]);
}
