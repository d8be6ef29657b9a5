import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

const POOL = pathToFileURL(path.join(REPO_ROOT, 'dist/src/sequence/translatePool.js')).href;

/** A process that starts an 8-thread pool and exits while its threads may still be loading their module. */
const EXIT_WHILE_STARTING = `
const { TranslatePool } = await import(${JSON.stringify(POOL)});
new TranslatePool({ threads: 8 });
await new Promise((resolve) => setTimeout(resolve, Math.random() * 80));
process.exit(0);
`;

function exitWhileStarting(): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', EXIT_WHILE_STARTING], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(signal ?? code));
  });
}

describe('translate pool threads at start and exit', () => {
  // While piscina loaded the ES module worker with require(), 13 of 800 such processes aborted (SIGABRT, node's
  // CreateRequiredModuleFacade assertion) on the 2-core CI machine, and this test failed 2 of 3 times with
  // 120 runs; with the CommonJS entry (translateWorkerEntry.cts), 0 of 800 aborted.
  it('a process that exits while the threads start ends with its own exit code, never a native abort', async () => {
    const outcomes: (NodeJS.Signals | number | null)[] = [];
    for (let round = 0; round < 15; round++) outcomes.push(...(await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(exitWhileStarting))));
    expect(outcomes.filter((outcome) => outcome !== 0)).toEqual([]);
  }, 120_000);

  // The threads inherit node's own options: a pool that set its threads' execArgv would refuse V8 options
  // such as --max-old-space-size (ERR_WORKER_INVALID_EXEC_ARGV).
  it('start under node options that threads may not be given (node --max-old-space-size=4096 virnucpro translate)', () => {
    const result = spawnSync(process.execPath, ['--max-old-space-size=4096', CLI, 'translate', '-q', '-'], {
      input: `>r1\n${'ATG'.repeat(120)}\n`,
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^frame_id\tnucleotide\tprotein\nr1_chunk_1F1\t/);
  });
});
