import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prng } from '../../bench/support/syntheticFasta.js';
import { EMPTY_FINGERPRINT, type InputCheckpoint } from '../../src/fasta/inputCheckpoint.js';
import {
  HIGHEST_SCORE_FILE,
  PREDICTION_RESULTS_FILE,
  PredictionDirectory,
  RUN_SUMMARY_FILE,
  STATE_DIR,
} from '../../src/output/predictionDirectory.js';
import { PIPELINE_DIR } from '../pipeline/support/pipelineFixture.js';
import { describeShared, sharedPath } from '../support/shared.js';
import { parsePredictionResults, resultBatches, type FrameResult } from './support/resultBatches.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-out-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const IDENTITY = { input: { name: 'reads.fa', size: 10 }, options: { chunkLength: 500 } };
const at = (records: number): InputCheckpoint => ({ records, fingerprint: `fp${records}` });

/** Writes `frames` through a fresh directory in batches of ~`size` frames, one checkpoint per batch. */
async function writeAll(out: string, frames: readonly FrameResult[], size: number): Promise<void> {
  const directory = await PredictionDirectory.open(out, 'new', IDENTITY);
  const batches = resultBatches(frames, size);
  for (const [i, batch] of batches.entries()) {
    await directory.append(batch);
    await directory.checkpoint(at(i + 1), { frames: i });
  }
  await directory.finish(at(batches.length), {}, (sort) => ({ sort }));
}

async function outputs(out: string): Promise<[string, string]> {
  return [await readFile(path.join(out, PREDICTION_RESULTS_FILE), 'latin1'), await readFile(path.join(out, HIGHEST_SCORE_FILE), 'latin1')];
}

describeShared("the original's output files, byte for byte, from the original's scores", () => {
  it.each([
    ['generated_from_original', 'consensus_example_prediction_results.txt', 'consensus_example_prediction_results_highestscore.csv'],
    ['broad_tests_data', 'test_with_orfs_merged/prediction_results.txt', 'test_with_orfs_merged/prediction_results_highestscore.csv'],
    ['broad_tests_data', 'test_fixed_500bp_merged/prediction_results.txt', 'test_fixed_500bp_merged/prediction_results_highestscore.csv'],
  ])('%s/%s', async (folder, results, highest) => {
    const expectedResults = await readFile(sharedPath('reference', folder, results), 'latin1');
    const expectedHighest = await readFile(sharedPath('reference', folder, highest), 'latin1');
    for (const size of [1, 1000]) {
      const out = path.join(dir, `out-${size}`);
      await writeAll(out, parsePredictionResults(expectedResults), size);
      expect(await outputs(out)).toEqual([expectedResults, expectedHighest]);
    }
  });
});

describe('PredictionDirectory', () => {
  it.each(['chunk300', 'chunk500'])("reproduces the pipeline fixture's files from its scores (%s)", async (chunk) => {
    const expected: [string, string] = [
      await readFile(path.join(PIPELINE_DIR, chunk, 'prediction_results.txt'), 'latin1'),
      await readFile(path.join(PIPELINE_DIR, chunk, 'prediction_results_highestscore.csv'), 'latin1'),
    ];
    await writeAll(path.join(dir, 'out'), parsePredictionResults(expected[0]), 7);
    expect(await outputs(path.join(dir, 'out'))).toEqual(expected);
  });

  it('writes header-only files when there is nothing to report, and a run summary', async () => {
    const out = path.join(dir, 'empty');
    const directory = await PredictionDirectory.open(out, 'new', IDENTITY);
    const sort = await directory.finish(at(0), {}, (result) => ({ consensusRows: result.rows }));
    expect(sort.rows).toBe(0);
    expect(await outputs(out)).toEqual(['Sequence_ID\tPrediction\tscore1\tscore2\n', 'Modified_ID\tIs_Virus\n']);
    expect(JSON.parse(await readFile(path.join(out, RUN_SUMMARY_FILE), 'utf8'))).toEqual({ consensusRows: 0 });
    expect((await readdir(path.join(out, STATE_DIR))).sort()).toEqual(['state.json']);
  });

  it('refuses a non-empty directory unless told to overwrite, and then removes only its own files', async () => {
    const out = path.join(dir, 'used');
    await mkdir(out);
    await writeFile(path.join(out, 'notes.txt'), 'mine');
    await expect(PredictionDirectory.open(out, 'new', IDENTITY)).rejects.toMatchObject({ code: 'OUTPUT_EXISTS', exitCode: 5 });
    await writeAll(path.join(dir, 'first'), [{ id: 'a_chunk_1F1', score1: 0.25, score2: 0.75 }], 1);
    const directory = await PredictionDirectory.open(out, 'overwrite', IDENTITY);
    await directory.finish(at(0), {}, () => ({}));
    expect((await readdir(out)).sort()).toEqual(
      ['.virnucpro', 'notes.txt', PREDICTION_RESULTS_FILE, HIGHEST_SCORE_FILE, RUN_SUMMARY_FILE].sort(),
    );
  });

  describe('resume', () => {
    const frames = (count: number, seed: number): FrameResult[] => {
      const random = prng(seed);
      return Array.from({ length: count }, (_, i) => ({
        id: `r${Math.floor(i / 4)}_chunk_${1 + (Math.floor(i / 2) % 2)}${['F1', 'R2'][i % 2]}`,
        score1: Math.fround(random()),
        score2: Math.fround(random()),
      }));
    };

    it('continues from the last commit after a crash, giving byte-identical files', async () => {
      const all = frames(400, 3);
      const batches = resultBatches(all, 10);
      await writeAll(path.join(dir, 'whole'), all, 10);
      const out = path.join(dir, 'crashed');
      // First run: 25 batches with a checkpoint each, an explicit commit after batch 12, then more rows
      // appended past the commit and a "crash" (files abandoned, no close).
      let directory = await PredictionDirectory.open(out, 'new', IDENTITY);
      for (let i = 0; i < 25; i++) {
        await directory.append(batches[i]!);
        await directory.checkpoint(at(i + 1), { frames: (i + 1) * 10 });
        if (i === 12) await directory.commit();
      }
      const committed = directory.committed;
      await directory.commit();
      await directory.append(batches[25]!); // not covered by any checkpoint
      await directory.append(batches[26]!);
      // Resume: the state says 25 batches; the rows of 26 and 27 are cut away.
      directory = await PredictionDirectory.open(out, 'resume', IDENTITY);
      expect(committed).toEqual(at(25));
      expect(directory.resumed).toMatchObject({ checkpoint: at(25), counters: { frames: 250 }, complete: false });
      expect(directory.rows).toEqual({ frames: 250, chunks: 125 });
      for (let i = 25; i < batches.length; i++) {
        await directory.append(batches[i]!);
        await directory.checkpoint(at(i + 1), {});
      }
      await directory.finish(at(batches.length), {}, (sort) => ({ sort }));
      expect(await outputs(out)).toEqual(await outputs(path.join(dir, 'whole')));
    });

    it('refuses a different identity, naming what changed', async () => {
      const out = path.join(dir, 'run');
      const directory = await PredictionDirectory.open(out, 'new', IDENTITY);
      await directory.close();
      const changed = { input: { name: 'reads.fa', size: 11 }, options: { chunkLength: 500, extra: true } };
      await expect(PredictionDirectory.open(out, 'resume', changed)).rejects.toMatchObject({
        code: 'RESUME_MISMATCH',
        exitCode: 6,
        message: expect.stringMatching(/input\.size was 10, now 11; options\.extra was absent, now true/),
      });
    });

    it('starts afresh in an empty directory, reports a complete run, refuses damaged or foreign state', async () => {
      const fresh = await PredictionDirectory.open(path.join(dir, 'new'), 'resume', IDENTITY);
      expect(fresh.resumed).toBeUndefined();
      expect(fresh.committed).toEqual({ records: 0, fingerprint: EMPTY_FINGERPRINT });
      await fresh.finish(at(0), { records: 0 }, () => ({}));
      const done = await PredictionDirectory.open(path.join(dir, 'new'), 'resume', IDENTITY);
      expect(done.resumed).toMatchObject({ complete: true, counters: { records: 0 } });
      await expect(done.append(resultBatches([{ id: 'a_chunk_1F1', score1: 0.5, score2: 0.5 }], 1)[0]!)).rejects.toMatchObject({
        code: 'INTERNAL',
      });

      await writeFile(path.join(dir, 'new', STATE_DIR, 'state.json'), '{"format": "virnucpro-predict-state", ');
      await expect(PredictionDirectory.open(path.join(dir, 'new'), 'resume', IDENTITY)).rejects.toMatchObject({ code: 'RESUME_CORRUPT' });

      await mkdir(path.join(dir, 'foreign'));
      await writeFile(path.join(dir, 'foreign', PREDICTION_RESULTS_FILE), 'Sequence_ID\tPrediction\tscore1\tscore2\n');
      await expect(PredictionDirectory.open(path.join(dir, 'foreign'), 'resume', IDENTITY)).rejects.toMatchObject({
        code: 'RESUME_CORRUPT',
      });
    });

    it('starts afresh after a run killed while it was creating the directory (state folder, no commit yet)', async () => {
      const out = path.join(dir, 'half');
      await mkdir(path.join(out, STATE_DIR), { recursive: true });
      await writeFile(path.join(out, PREDICTION_RESULTS_FILE), 'Sequence_ID\tPre');
      const directory = await PredictionDirectory.open(out, 'resume', IDENTITY);
      expect(directory.resumed).toBeUndefined();
      await directory.finish(at(0), {}, () => ({}));
      expect((await outputs(out))[0]).toBe('Sequence_ID\tPrediction\tscore1\tscore2\n');
    });

    it('refuses data files shorter than committed (changed after the run)', async () => {
      const out = path.join(dir, 'run');
      const directory = await PredictionDirectory.open(out, 'new', IDENTITY);
      await directory.append(resultBatches(frames(8, 1), 8)[0]!);
      await directory.checkpoint(at(1), {});
      await directory.commit();
      await directory.close();
      await writeFile(path.join(out, PREDICTION_RESULTS_FILE), 'Sequence_ID\n');
      await expect(PredictionDirectory.open(out, 'resume', IDENTITY)).rejects.toMatchObject({ code: 'RESUME_CORRUPT' });
      expect(existsSync(path.join(out, STATE_DIR, 'state.json'))).toBe(true);
    });
  });
});
