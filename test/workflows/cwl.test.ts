import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';
import { syncedReads, textOf } from '../cli/support/syncedInput.js';

// workflows/cwl/ run by Debian's cwltool (3.1; .ci/run installs it) on the demo bundle: a scatter over shards
// and a merge, compared with one unsharded run byte for byte. cwltool stages each job's input in a directory
// of its own, which merge must accept.

const WORKFLOW = path.join(REPO_ROOT, 'workflows', 'cwl');
const DEMO = path.join(REPO_ROOT, 'models', 'demo');
const FILES = ['prediction_results.txt', 'prediction_results_highestscore.csv', 'chunk_scores.tsv', 'record_scores.tsv'];

const version = spawnSync('cwltool', ['--version'], { encoding: 'utf8' });
const available = version.status === 0;
if (!available) console.warn('[skip] workflows/cwl: cwltool is not installed (Debian: apt-get install cwltool; .ci/run installs it)');

function cwltool(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('cwltool', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe.skipIf(!available)(`workflows/cwl with ${version.stdout?.trim() ?? ''}`, () => {
  let dir: string;
  const at = (...names: string[]): string => path.join(dir, ...names);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-cwl-'));
    // Sync records where the shards of three start: every shard holds records.
    await writeFile(at('reads.fa'), textOf(syncedReads(90, 7, [25, 31, 55, 62])));
    await mkdir(at('bin'));
    await writeFile(at('bin', 'virnucpro'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
    await chmod(at('bin', 'virnucpro'), 0o755);
    const job = {
      reads: { class: 'File', path: at('reads.fa') },
      models: { class: 'Directory', path: DEMO },
      shards: ['1-of-3', '2-of-3', '3-of-3'],
      threads: 1,
      score_tables: true,
    };
    await writeFile(at('job.json'), JSON.stringify(job));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('every tool and workflow is valid CWL (the GPU variant included: validated, not run)', async () => {
    for (const file of ['predict-shard.cwl', 'merge.cwl', 'sharded-predict.cwl', 'sharded-predict-gpu.cwl']) {
      const result = await cwltool(['--validate', path.join(WORKFLOW, file)], dir);
      expect(result.output, file).toContain(`${file} is valid CWL`);
      expect(result.code, file).toBe(0);
    }
  });

  it('sharded-predict.cwl: the scatter over three shards, merged, is the unsharded run byte for byte', async () => {
    const env = { ...process.env, PATH: `${at('bin')}${path.delimiter}${process.env['PATH'] ?? ''}` };
    const run = await cwltool(['--parallel', '--outdir', at('out'), path.join(WORKFLOW, 'sharded-predict.cwl'), at('job.json')], dir, env);
    expect(run.code, run.output).toBe(0);
    const whole = await runCli(['predict', '-q', '-j', '1', '--models', DEMO, '--score-tables', '-o', at('whole'), at('reads.fa')]);
    expect(whole.code, whole.stderr).toBe(0);
    for (const file of FILES)
      expect(await readFile(at('out', 'merged', file), 'latin1'), file).toBe(await readFile(at('whole', file), 'latin1'));
    const merged = JSON.parse(await readFile(at('out', 'merged', 'run_summary.json'), 'utf8')) as {
      counts: Record<string, unknown>;
      parts: { recordsRead: number }[];
    };
    const unsharded = JSON.parse(await readFile(at('whole', 'run_summary.json'), 'utf8')) as { counts: Record<string, unknown> };
    expect(merged.counts).toEqual(unsharded.counts);
    expect(merged.parts.map((part) => part.recordsRead > 0)).toEqual([true, true, true]);
    for (const log of ['predict-1-of-3.log', 'predict-2-of-3.log', 'predict-3-of-3.log', 'merge.log'])
      expect(await readFile(at('out', log), 'utf8'), log).toBeDefined();
  });
});
