import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { syntheticReads } from '../../bench/support/syntheticReads.js';
import { writeTinyBundle } from '../../bench/support/tinyBundle.js';
import { runCli } from './cli.js';

/** What disturbed `predict -o` runs are compared with: the files of one undisturbed run of the same reads. */
export interface ReferenceRun {
  /** The tiny bundle (bench/support/tinyBundle.ts): models that cost next to nothing. */
  readonly tiny: string;
  /** ~4 MB of reads: several 1 MiB input batches, so a run commits several times. */
  readonly big: string;
  /** prediction_results.txt and prediction_results_highestscore.csv of the undisturbed run. */
  readonly reference: [string, string];
}

/** Writes the tiny bundle and the reads (synthetic, from `seed`) into `dir` and runs `predict -o` on them once. */
export async function referenceRun(dir: string, seed: number): Promise<ReferenceRun> {
  const tiny = await writeTinyBundle(path.join(dir, 'tiny'));
  const big = path.join(dir, 'big.fa');
  await writeFile(big, syntheticReads(5000, seed));
  const run = await runCli(['predict', '-q', '--models', tiny, '-o', path.join(dir, 'reference'), big]);
  expect(run.code, run.stderr).toBe(0);
  return { tiny, big, reference: await predictOutputs(path.join(dir, 'reference')) };
}

/** The two files of the original's that `predict -o` writes into `out`, as Latin-1 text. */
export async function predictOutputs(out: string): Promise<[string, string]> {
  return [
    await readFile(path.join(out, 'prediction_results.txt'), 'latin1'),
    await readFile(path.join(out, 'prediction_results_highestscore.csv'), 'latin1'),
  ];
}
