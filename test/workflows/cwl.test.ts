import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';
import { suiteDir } from '../support/suiteDir.js';
import { describeWithTool, runTool } from '../support/tools.js';
import { syncedReads, textOf } from '../cli/support/syncedInput.js';
import { DEMO, expectSameAsUnsharded } from './support/unshardedRun.js';

// workflows/cwl/ run by Debian's cwltool (3.1; .ci/run installs it) on the demo bundle: a scatter over shards
// and a merge, compared with one unsharded run byte for byte. cwltool stages each job's input in a directory
// of its own, which merge must accept.

const WORKFLOW = path.join(REPO_ROOT, 'workflows', 'cwl');

describeWithTool('cwltool', 'workflows/cwl', () => {
  const { at } = suiteDir('virnucpro-cwl-');
  const cwltool = (args: readonly string[], env?: NodeJS.ProcessEnv) => runTool('cwltool', args, { cwd: at(), env });
  beforeAll(async () => {
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

  it('every tool and workflow is valid CWL (the GPU variant included: validated, not run)', async () => {
    for (const file of ['predict-shard.cwl', 'merge.cwl', 'sharded-predict.cwl', 'sharded-predict-gpu.cwl']) {
      const result = await cwltool(['--validate', path.join(WORKFLOW, file)]);
      expect(result.output, file).toContain(`${file} is valid CWL`);
      expect(result.code, file).toBe(0);
    }
  });

  it('sharded-predict.cwl: the scatter over three shards, merged, is the unsharded run byte for byte', async () => {
    const env = { ...process.env, PATH: `${at('bin')}${path.delimiter}${process.env['PATH'] ?? ''}` };
    const run = await cwltool(['--parallel', '--outdir', at('out'), path.join(WORKFLOW, 'sharded-predict.cwl'), at('job.json')], env);
    expect(run.code, run.output).toBe(0);
    await expectSameAsUnsharded(at('reads.fa'), at('out', 'merged'), at('whole'));
    for (const log of ['predict-1-of-3.log', 'predict-2-of-3.log', 'predict-3-of-3.log', 'merge.log'])
      expect(await readFile(at('out', log), 'utf8'), log).toBeDefined();
  });
});
