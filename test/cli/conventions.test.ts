import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';
import { VIRNUCPRO_VERSION } from '../../src/pipeline/version.js';
import { writeTinyBundle } from '../../bench/support/tinyBundle.js';

/** The conventions of the tools of the field (seqkit, geNomad), through the built CLI. */
const COMMANDS = ['chunk', 'translate', 'embed', 'predict', 'merge'];
const DEMO_READS = path.join(REPO_ROOT, 'examples', 'data', 'demo.fa');
const READ = 'ACGTTGCA'.repeat(90);

let dir: string;
let tiny: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-conventions-'));
  tiny = await writeTinyBundle(path.join(dir, 'tiny'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('command-line conventions', () => {
  it('bare virnucpro prints the usage to stderr and exits 2 (a script that lost its arguments does not pass)', async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stdout.length).toBe(0);
    expect(result.stderr).toMatch(/^virnucpro \S+: VirNucPro[\s\S]*Usage: virnucpro <command>[\s\S]*predict/);
    const help = await runCli(['--help']);
    expect([help.code, help.stdout.toString()]).toEqual([0, result.stderr]);
  });

  it('--version and -V work on every subcommand, and alone', async () => {
    for (const args of [
      ['--version'],
      ['-V'],
      ...COMMANDS.flatMap((command) => [
        [command, '--version'],
        [command, '-V'],
      ]),
    ]) {
      const result = await runCli(args);
      expect([args, result.code, result.stdout.toString(), result.stderr]).toEqual([args, 0, `${VIRNUCPRO_VERSION}\n`, '']);
    }
  });

  it('-t is -j wherever threads apply: same output, named in help and errors; both at once must agree', async () => {
    const [byJ, byT] = await Promise.all([
      runCli(['translate', '-q', '-j', '2', DEMO_READS]),
      runCli(['translate', '-q', '-t2', DEMO_READS]),
    ]);
    expect([byT.code, byT.stderr]).toEqual([0, '']);
    expect(byT.stdout.equals(byJ.stdout)).toBe(true);
    for (const command of ['translate', 'embed', 'predict']) {
      expect((await runCli([command, '--help'])).stdout.toString()).toMatch(/^ {2}-j, -t, --threads <n> /m);
    }
    const bad = await runCli(['translate', '-t', '0', DEMO_READS]);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('invalid -j/-t/--threads 0: expected an integer from 1 to 256')]);
    const both = await runCli(['translate', '-j', '2', '-t', '3', DEMO_READS]);
    expect([both.code, both.stderr]).toEqual([2, expect.stringContaining('-j/-t/--threads given twice with different values (2 and 3)')]);
    const predicted = await runCli(['predict', '-q', '-m', tiny, '-t', '1', DEMO_READS]);
    expect(predicted.code, predicted.stderr).toBe(0);
    expect((await runCli(['chunk', '--help'])).stdout.toString()).toMatch(/Threads: none to use \(no -j\/-t\)/);
  });

  it('warns when read ids repeat on a stdout run (rows are not merged there); -q silences it', async () => {
    const input = `>a\n${READ}\n>b\n${READ}\n>a\n${READ}\n`;
    const result = await runCli(['predict', '-m', tiny, '-'], { stdin: input });
    expect(result.code).toBe(0);
    // Log lines carry a time stamp when stderr is not a terminal.
    expect(result.stderr).toMatch(
      /^(\S+ )?\[WARN\] 1 read\(s\) repeat an earlier read's id, first 'a': their rows on stdout share chunk ids/m,
    );
    expect(
      result.stdout
        .toString()
        .split('\n')
        .filter((line) => line.startsWith('a_chunk_1\t')),
    ).toHaveLength(2);
    const quiet = await runCli(['predict', '-q', '-m', tiny, '-'], { stdin: input });
    expect([quiet.code, quiet.stderr]).toEqual([0, '']);
    const distinct = await runCli(['predict', '-m', tiny, '-'], { stdin: `>a\n${READ}\n>b\n${READ}\n` });
    expect(distinct.stderr).not.toMatch(/repeat/);
  });

  (existsSync('/dev/full') ? it : it.skip)(
    'a full stdout names the cause (ENOSPC) and where stdout goes, not an output directory',
    async () => {
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn('sh', ['-c', `node ${CLI} translate ${DEMO_READS} > /dev/full`]);
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(result.code).toBe(5);
      expect(result.stderr).toMatch(/^(\S+ )?\[ERRO\] stdout: cannot write: no space left on the device \(ENOSPC\)/m);
      expect(result.stderr).toMatch(/^(\S+ )?\[ERRO\] stdout is redirected to a file or device that cannot take more/m);
      expect(result.stderr).not.toMatch(/output directory|--resume/);
    },
  );

  it('leaves a stdout socket open for the commands after it (spawn stdio pipe is a socketpair on Linux)', async () => {
    for (const command of [
      `translate -q ${DEMO_READS}`,
      `predict -q -m ${tiny} ${DEMO_READS}`,
      `chunk -q ${DEMO_READS}`,
      `embed -q -m ${tiny} -k dna ${DEMO_READS}`,
    ]) {
      const { output, stderr } = await new Promise<{ output: string; stderr: string }>((resolve) => {
        // The shell's stdout is shared by virnucpro and the echo after it, as under a job runner's log collector.
        const child = spawn('sh', ['-c', `node ${CLI} ${command}; echo "after: $?" || echo "echo failed: $?" >&2`], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let text = '';
        let errors = '';
        child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
        child.on('close', () => resolve({ output: text, stderr: errors }));
      });
      expect(output.split('\n').length, command).toBeGreaterThan(20);
      // stderr goes in the message only: a stray warning there must not fail a run whose stdout is whole.
      expect(output.slice(-40), `${command}; stderr: ${stderr}`).toMatch(/\nafter: 0\n$/);
    }
  });
});
