import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticReads } from '../../bench/support/syntheticReads.js';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

const DEMO = path.join(REPO_ROOT, 'models/demo');
const FILES = ['prediction_results.txt', 'prediction_results_highestscore.csv'];

interface Member {
  device: string;
  batches: number;
  rows: number;
}

let dir: string;
let reads: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-device-ids-'));
  reads = path.join(dir, 'reads.fa');
  await writeFile(reads, syntheticReads(1500, 17));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('predict --device-id with several devices (on the CPU: two worker sets as if on two devices)', () => {
  it('gives the files of one device, spreads the batches over both, and says what each did', async () => {
    const one = await runCli(['predict', reads, '--models', DEMO, '-j', '2', '-o', path.join(dir, 'one')]);
    expect(one.code, one.stderr).toBe(0);
    const two = await runCli(['predict', reads, '--models', DEMO, '-j', '2', '--device-id', '0,1', '-o', path.join(dir, 'two')]);
    expect(two.code, two.stderr).toBe(0);
    for (const file of FILES) {
      expect(await readFile(path.join(dir, 'two', file), 'latin1')).toBe(await readFile(path.join(dir, 'one', file), 'latin1'));
    }
    const summary = JSON.parse(await readFile(path.join(dir, 'two', 'run_summary.json'), 'utf8')) as {
      counts: { framesKept: number };
      backends: Record<'dna' | 'protein', { backend: string; device: string; details: { members: Member[] } }>;
    };
    for (const encoder of ['dna', 'protein'] as const) {
      const backend = summary.backends[encoder];
      expect(backend).toMatchObject({ backend: 'spread(onnxruntime-workers)', device: 'cpu,cpu' });
      const members = backend.details.members;
      expect(members).toHaveLength(2);
      expect(members.reduce((sum, m) => sum + m.rows, 0)).toBe(summary.counts.framesKept);
      expect(
        members.every((m) => m.batches > 0),
        JSON.stringify(members),
      ).toBe(true);
    }
  }, 180_000); // two whole predict runs: ~20 s on an idle 2-core machine, over 60 s while other suites load it

  it('refuses a --device-id that is not an index, a list or all (exit 2)', async () => {
    const result = await runCli(['predict', reads, '--models', DEMO, '--device-id', '0;1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid --device-id 0;1: a GPU index (0), a list (0,1) or all');
  });
});
