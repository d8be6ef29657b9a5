import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { predictOutputs, referenceRun } from '../support/referenceRun.js';

/**
 * Faults in the middle of `predict -o DIR`: a model worker that dies mid-batch, and bundles that fail to load.
 * The promise tested: the run fails loudly, the directory holds only whole committed input batches (no
 * partial rows), and --resume ends with the files of an uninterrupted run.
 */
const RESULTS = 'prediction_results.txt';
const CRASH_PRELOAD = pathToFileURL(path.join(import.meta.dirname, 'support', 'crashModelWorker.js')).href;

let dir: string;
let tiny: string;
/** ~4 MB: several 1 MiB input batches, so several commits before the crash. */
let big: string;
let reference: [string, string];
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-faults-'));
  ({ tiny, big, reference } = await referenceRun(dir, 5));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('predict -o DIR: a model worker that dies mid-batch', () => {
  it.each([
    ['protein', 120],
    ['classifier', 15],
  ] as const)(
    'the %s worker dying on its batch %i fails the run (exit 1), keeps whole commits only, and --resume completes it',
    async (model, crashOn) => {
      const out = path.join(dir, `crash-${model}`);
      const crashed = await runCli(['predict', '--models', tiny, '-o', out, big], {
        env: {
          NODE_OPTIONS: `--import=${CRASH_PRELOAD}`,
          VIRNUCPRO_TEST_CRASH_MODEL: model,
          VIRNUCPRO_TEST_CRASH_ON_RUN: String(crashOn),
          VIRNUCPRO_COMMIT_INTERVAL_MS: '0',
        },
      });
      expect(crashed.code, crashed.stderr).toBe(1);
      expect(crashed.stderr).toMatch(new RegExp(`inference worker \\d \\(${model} model\\) exited with code 3 while running a batch`));
      expect(crashed.stderr).toMatch(/to continue: virnucpro predict .* --resume/);

      // What is on disk is exactly what the last commit recorded: whole rows of whole input batches.
      const state = JSON.parse(await readFile(path.join(out, '.virnucpro', 'state.json'), 'utf8')) as {
        checkpoint: { records: number };
        files: { predictionResults: number; journal: number };
      };
      expect((await stat(path.join(out, RESULTS))).size).toBe(state.files.predictionResults);
      expect((await stat(path.join(out, '.virnucpro', 'consensus.journal'))).size).toBe(state.files.journal);
      const partial = await readFile(path.join(out, RESULTS), 'latin1');
      expect(partial.endsWith('\n')).toBe(true);
      expect(reference[0].startsWith(partial)).toBe(true);
      expect(state.checkpoint.records).toBeGreaterThan(0);
      expect(state.checkpoint.records).toBeLessThan(5000);

      const resumed = await runCli(['predict', '-q', '--models', tiny, '-o', out, '--resume', big]);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(await predictOutputs(out)).toEqual(reference);
    },
  );
});

describe('predict -o DIR: a bundle that cannot load leaves the directory as it was', () => {
  let broken: string;
  beforeAll(async () => {
    broken = path.join(dir, 'broken');
    await mkdir(broken);
    for (const name of await readdir(tiny)) await copyFile(path.join(tiny, name), path.join(broken, name));
    // Same size as the real file (so only onnxruntime can tell), but not a model.
    const size = (await stat(path.join(tiny, 'encoder.onnx'))).size;
    await writeFile(path.join(broken, 'encoder.onnx'), Buffer.alloc(size, 0x5a));
  });

  it('creates nothing in a new directory (exit 4)', async () => {
    const out = path.join(dir, 'never-created');
    const run = await runCli(['predict', '-q', '--skip-checksums', '--models', broken, '-o', out, big]);
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(/MODEL_LOAD|cannot load|encoder\.onnx/);
    expect(existsSync(out)).toBe(false);
  });

  it('removes nothing of a finished run with --force (exit 4)', async () => {
    const out = path.join(dir, 'kept');
    expect((await runCli(['predict', '-q', '--models', tiny, '-o', out, big])).code).toBe(0);
    const before = await predictOutputs(out);
    const forced = await runCli(['predict', '-q', '--skip-checksums', '--models', broken, '-o', out, '--force', big]);
    expect(forced.code, forced.stderr).toBe(4);
    expect(await predictOutputs(out)).toEqual(before);
    expect(existsSync(path.join(out, 'run_summary.json'))).toBe(true);
  });
});
