import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';
import { suiteDir } from '../support/suiteDir.js';
import { describeWithTool, runTool } from '../support/tools.js';
import { syncedReads, textOf } from '../cli/support/syncedInput.js';
import { DEMO, MERGED_FILES, expectSameAsUnsharded } from './support/unshardedRun.js';

// workflows/snakemake/ run by Debian's snakemake (7.21; .ci/run installs it) on the demo bundle, as a user
// runs it: scatter over --shard K-of-N, gather with merge, compared with one unsharded run byte for byte.

const WORKFLOW = path.join(REPO_ROOT, 'workflows', 'snakemake');
const SNAKEFILE = path.join(WORKFLOW, 'Snakefile');
const SHARDS = 3;

describeWithTool('snakemake', 'workflows/snakemake', () => {
  const { at } = suiteDir('virnucpro-snakemake-');
  const snakemake = (args: readonly string[]) => runTool('snakemake', ['-s', SNAKEFILE, ...args], { cwd: at() });
  beforeAll(async () => {
    // 90 reads with sync records where shards of three start: every shard holds records.
    await writeFile(at('reads.fa'), textOf(syncedReads(90, 7, [25, 31, 55, 62])));
    const config = [
      `input: reads.fa`,
      `models: ${DEMO}`,
      `virnucpro: node ${CLI}`,
      `shards: ${SHARDS}`,
      `threads: 1`,
      `score_tables: true`,
    ].join('\n');
    await writeFile(at('config.yaml'), `${config}\n`);
  });

  it('is --lint clean', async () => {
    const lint = await snakemake(['--lint', '--configfile', 'config.yaml']);
    expect(lint.output).toContain('Congratulations, your workflow is in a good condition!');
    expect(lint.code).toBe(0);
  });

  it('--cores 2: scatters over --shard K-of-N and merges into the files of one unsharded run, byte for byte, with a log per job', async () => {
    const run = await snakemake(['--cores', '2', '--configfile', 'config.yaml']);
    expect(run.code, run.output).toBe(0);
    await expectSameAsUnsharded(at('reads.fa'), at('results', 'merged'), at('whole'));
    expect((await readdir(at('results', 'logs'))).sort()).toEqual([
      'merge.log',
      ...Array.from({ length: SHARDS }, (_, k) => `predict-${k + 1}-of-${SHARDS}.log`),
    ]);
  });

  it('runs a shard again by resuming its -o directory, which Snakemake does not delete', async () => {
    // As after a failed shard: its marker and the merge are missing; its directory is there.
    const before = await readFile(at('results', 'merged', MERGED_FILES[0]!), 'latin1');
    await rm(at('results', 'shards', `2-of-${SHARDS}.done`));
    for (const file of await readdir(at('results', 'merged'))) await rm(at('results', 'merged', file));
    const again = await snakemake(['--cores', '2', '--configfile', 'config.yaml']);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toMatch(/rule predict_shard:[\s\S]*shard=2-of-3/);
    expect(await readFile(at('results', 'logs', `predict-2-of-${SHARDS}.log`), 'utf8')).toMatch(
      /this run is already complete; nothing to do/,
    );
    expect(await readFile(at('results', 'merged', MERGED_FILES[0]!), 'latin1')).toBe(before);
  });

  it('with gpu: each shard job asks for one GPU and, with gpu_ids, gets its own through gpu-slot.sh (dry run)', async () => {
    const dry = await snakemake([
      '-n',
      '-p',
      '--cores',
      '2',
      '--configfile',
      'config.yaml',
      '--config',
      'gpu=True',
      'gpu_ids=[0,1]',
      'outdir=gpu',
    ]);
    expect(dry.code, dry.output).toBe(0);
    expect(dry.output).toMatch(/resources: .*gpu=1/);
    expect(dry.output).toContain(`${WORKFLOW}/gpu-slot.sh gpu/.gpu-locks 0,1 -- node ${CLI} predict`);
    expect(dry.output).toContain('--device cuda --device-id 0');
  });
});

describe('workflows/snakemake/gpu-slot.sh', () => {
  it('gives jobs running at once different GPUs (CUDA_VISIBLE_DEVICES), and refuses one more than there are', async () => {
    const locks = await mkdtemp(path.join(tmpdir(), 'virnucpro-gpu-slot-'));
    try {
      const job = () =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = spawn(
            path.join(WORKFLOW, 'gpu-slot.sh'),
            [locks, '3,5', '--', 'sh', '-c', 'echo "$CUDA_VISIBLE_DEVICES"; sleep 3'],
            { env: { ...process.env, CUDA_VISIBLE_DEVICES: '' } },
          );
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          child.on('close', (code) => resolve({ code, stdout, stderr }));
        });
      const jobs = await Promise.all([job(), job(), job()]);
      const ran = jobs
        .filter((result) => result.code === 0)
        .map((result) => result.stdout.trim())
        .sort();
      expect(ran).toEqual(['3', '5']);
      const refused = jobs.filter((result) => result.code !== 0);
      expect(refused).toHaveLength(1);
      expect(refused[0]!.stderr).toMatch(/every GPU of 3,5 is in use by another job/);
      // Once they are done, the GPUs are free again.
      expect((await job()).code).toBe(0);
    } finally {
      await rm(locks, { recursive: true, force: true });
    }
  });
});
