/**
 * Run-directory integrity (issue 14), through the built CLI with real concurrent processes, no mocks: one
 * owner per `-o` directory, a lock left by a killed run taken over, repeated signals while a run stops,
 * resumed files byte-identical to an undisturbed run's, and outputs that cannot be written (read-only
 * filesystem, permissions) or inputs that cannot be read (closed stdin). docs/hostile-inputs.md lists them.
 *
 * Waits are for states on disk (a commit), never for durations, and timeouts are generous: these run on a
 * loaded 2-core machine.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/errors.js';
import { syntheticReads } from '../../bench/support/syntheticReads.js';
import { CLI, runCli } from '../support/cli.js';
import { predictOutputs, referenceRun } from '../support/referenceRun.js';

const RESULTS = 'prediction_results.txt';
const LOCK = '.virnucpro.lock';
const TIMEOUT_MS = 600_000;

let dir: string;
let tiny: string;
/** ~4 MB: several 1 MiB input batches, so a run commits several times. */
let big: string;
let reference: [string, string];
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-rundir-'));
  await chmod(dir, 0o755); // the EACCES case runs the CLI as another user
  ({ tiny, big, reference } = await referenceRun(dir, 14));
  await writeFile(path.join(dir, 'small.fa'), syntheticReads(30, 3));
}, TIMEOUT_MS);
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

function start(args: readonly string[]): { pid: number; kill: (signal: NodeJS.Signals) => void; done: Promise<Ended> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, VIRNUCPRO_COMMIT_INTERVAL_MS: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Ended>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
  return { pid: child.pid!, kill: (signal) => child.kill(signal), done };
}

/** Resolves once the run in `out` has committed some records (its model workers are then busy on the next batches). */
async function firstCommit(out: string, running: Promise<Ended>): Promise<void> {
  let ended = false;
  void running.then(() => (ended = true));
  const state = path.join(out, '.virnucpro', 'state.json');
  while (!ended) {
    const text = await readFile(state, 'utf8').catch(() => '');
    if (/"records": [1-9]/.test(text)) return;
    await delay(20);
  }
  throw new Error(`the run ended before its first commit: ${(await running).stderr}`);
}

const predictArgs = (out: string, ...more: string[]): string[] => ['predict', '-q', '--models', tiny, '-o', out, ...more, big];

describe('one owner per -o directory', () => {
  it(
    'a second predict there (fresh, --resume, --force) is refused at once naming the holder; the first run finishes unharmed',
    async () => {
      const out = path.join(dir, 'shared');
      // The first run reads stdin, which the test holds open: it is still running whatever the machine's speed.
      const first = spawn(process.execPath, [CLI, 'predict', '-q', '--models', tiny, '-o', out, '-'], {
        env: { ...process.env, VIRNUCPRO_COMMIT_INTERVAL_MS: '0' },
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      let stderr = '';
      first.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      first.stdin.on('error', () => undefined);
      const done = new Promise<Ended>((resolve) => first.on('close', (code, signal) => resolve({ code, signal, stderr })));
      const text = await readFile(big);
      first.stdin.write(text.subarray(0, 3 << 20));
      await firstCommit(out, done);
      for (const extra of [[], ['--resume'], ['--force']]) {
        const second = await runCli(predictArgs(out, ...extra));
        expect(second.code, `${extra.join(' ')}: ${second.stderr}`).toBe(EXIT.output);
        expect(second.stderr).toMatch(
          new RegExp(`shared: the output directory is in use by process ${first.pid} on host ${hostname()} since \\d{4}-\\d\\d-\\d\\dT`),
        );
      }
      first.stdin.end(text.subarray(3 << 20));
      const ended = await done;
      expect(ended.code, ended.stderr).toBe(EXIT.ok);
      expect(await predictOutputs(out)).toEqual(reference);
      expect(existsSync(path.join(out, LOCK)), 'the lock is released at the end').toBe(false);
    },
    TIMEOUT_MS,
  );

  it(
    'after kill -9 the lock is left behind, and --resume takes it over (same host, pid gone): byte-identical files',
    async () => {
      const out = path.join(dir, 'killed');
      const run = start(predictArgs(out));
      await firstCommit(out, run.done);
      run.kill('SIGKILL');
      expect((await run.done).signal).toBe('SIGKILL');
      expect(existsSync(path.join(out, LOCK))).toBe(true);
      const resumed = await runCli(predictArgs(out, '--resume'));
      expect(resumed.code, resumed.stderr).toBe(EXIT.ok);
      expect(await predictOutputs(out)).toEqual(reference);
    },
    TIMEOUT_MS,
  );

  it(
    "another host's lock: refused while its heartbeat is fresh, taken over once it is old",
    async () => {
      const out = path.join(dir, 'other-host');
      await mkdir(path.join(out, LOCK), { recursive: true });
      await writeFile(
        path.join(out, LOCK, 'owner.json'),
        JSON.stringify({ host: 'node-elsewhere-17', pid: 4242, since: '2026-01-02T03:04:05.000Z', command: 'predict' }),
      );
      const small = ['predict', '-q', '--models', tiny, '-o', out, path.join(dir, 'small.fa')];
      const refused = await runCli(small);
      expect(refused.code, refused.stderr).toBe(EXIT.output);
      expect(refused.stderr).toMatch(/in use by process 4242 on host node-elsewhere-17 since 2026-01-02T03:04:05\.000Z/);
      const hourAgo = new Date(Date.now() - 3_600_000);
      await utimes(path.join(out, LOCK), hourAgo, hourAgo);
      const taken = await runCli(small);
      expect(taken.code, taken.stderr).toBe(EXIT.ok);
      expect(existsSync(path.join(out, RESULTS))).toBe(true);
      expect(existsSync(path.join(out, LOCK))).toBe(false);
    },
    TIMEOUT_MS,
  );
});

describe('--resume verifies what it builds on', () => {
  it(
    'a committed byte changed since the last commit (results, then journal) is refused with exit 6 naming the file and offset, the file left as it is',
    async () => {
      const out = path.join(dir, 'tampered');
      const run = start(predictArgs(out));
      await firstCommit(out, run.done);
      run.kill('SIGKILL');
      await run.done;
      const state = JSON.parse(await readFile(path.join(out, '.virnucpro', 'state.json'), 'utf8')) as {
        files: { predictionResults: number; journal: number };
      };
      const files = [
        [path.join(out, RESULTS), state.files.predictionResults, /prediction_results\.txt/],
        [path.join(out, '.virnucpro', 'consensus.journal'), state.files.journal, /consensus\.journal/],
      ] as const;
      for (const [file, committed, name] of files) {
        expect(committed, `${file} has committed rows`).toBeGreaterThan(100);
        const original = await readFile(file);
        const at = Math.floor(committed * 0.7);
        const tampered = Buffer.from(original);
        tampered[at] = tampered[at] === 0x30 ? 0x31 : 0x30; // one character of a committed row
        await writeFile(file, tampered);
        const refused = await runCli(predictArgs(out, '--resume'));
        expect(refused.code, refused.stderr).toBe(EXIT.resume);
        expect(refused.stderr).toMatch(name);
        const block = at - (at % 4096);
        expect(refused.stderr).toMatch(
          new RegExp(`changed since the last commit: the committed bytes differ from byte offset ${block} on`),
        );
        expect(await readFile(file), 'nothing written on top of it').toEqual(tampered);
        await writeFile(file, original);
      }
      const resumed = await runCli(predictArgs(out, '--resume'));
      expect(resumed.code, resumed.stderr).toBe(EXIT.ok);
      expect(await predictOutputs(out)).toEqual(reference);
    },
    TIMEOUT_MS,
  );
});

describe('signals while the run stops', () => {
  it.each([
    ['SIGINT', 2, 5],
    ['SIGINT', 3, 150],
    ['SIGTERM', 3, 20],
    ['SIGINT', 2, 1000],
  ] as const)(
    '%s sent %i times %i ms apart, model workers busy: exit 130 (never a native abort), then --resume gives the same files',
    async (signal, times, spacingMs) => {
      const out = path.join(dir, `signals-${signal}-${times}-${spacingMs}`);
      const run = start(predictArgs(out));
      await firstCommit(out, run.done);
      for (let i = 0; i < times; i++) {
        run.kill(signal);
        await delay(spacingMs);
      }
      const ended = await run.done;
      expect(ended.stderr).not.toMatch(/terminate called|Napi::Error|internal error/);
      // Exit 130; or, for a signal that lands while the process is already exiting (its results committed,
      // its signal handlers gone), death by that signal: 130 or 143 to a shell. Never SIGABRT (134).
      expect(
        ended.code === EXIT.interrupted || (ended.code === null && ended.signal === signal),
        `${ended.code} ${ended.signal}: ${ended.stderr}`,
      ).toBe(true);
      expect(ended.stderr).toMatch(new RegExp(`interrupted by ${signal}: .* holds the results of the first [\\d,]+ records`));
      const resumed = await runCli(predictArgs(out, '--resume'));
      expect(resumed.code, resumed.stderr).toBe(EXIT.ok);
      expect(await predictOutputs(out)).toEqual(reference);
    },
    TIMEOUT_MS,
  );
});

describe('inputs and outputs that cannot be used', () => {
  it('a closed stdin is an error (exit 3), unlike an empty one (exit 0)', () => {
    const closed = spawnSync('bash', ['-c', `exec "${process.execPath}" "${CLI}" chunk - <&-`], { encoding: 'utf8' });
    expect(closed.status, closed.stderr).toBe(EXIT.input);
    expect(closed.stderr).toMatch(/cannot read stdin \('-'\): it is closed/);
    const empty = spawnSync('bash', ['-c', `exec "${process.execPath}" "${CLI}" chunk - < /dev/null`], { encoding: 'utf8' });
    expect(empty.status, empty.stderr).toBe(EXIT.ok);
    expect(empty.stderr).toMatch(/chunk: 0 records/);
  });

  it('-o on a read-only filesystem: exit 5 naming EROFS (needs root to mount one)', async (context) => {
    const ro = path.join(dir, 'read-only');
    await mkdir(ro);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'none', ro], { stdio: 'ignore' });
    } catch {
      context.skip('cannot mount a read-only tmpfs here (not root, or no mount permission)');
    }
    try {
      for (const out of [path.join(ro, 'new-dir'), ro]) {
        const result = await runCli(['predict', '-q', '--models', tiny, '-o', out, path.join(dir, 'small.fa')]);
        expect(result.code, result.stderr).toBe(EXIT.output);
        expect(result.stderr).toMatch(/read-only \(EROFS\)/);
      }
    } finally {
      execFileSync('umount', [ro]);
    }
  });

  it('-o where the user may not write: exit 5 naming EACCES', async (context) => {
    const locked = path.join(dir, 'no-write');
    await mkdir(locked, { mode: 0o555 });
    const asRoot = process.getuid?.() === 0;
    // Root writes anywhere: run the CLI as nobody, when nobody can read it.
    const prefix = asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const probe = spawnSync(prefix[0] ?? 'true', [...prefix.slice(1), 'test', '-r', CLI]);
    if (asRoot && probe.status !== 0) context.skip('running as root and user nobody cannot read the built CLI here');
    const args = [CLI, 'predict', '-q', '--models', tiny, '-o', path.join(locked, 'out'), path.join(dir, 'small.fa')];
    const result =
      prefix.length > 0
        ? spawnSync(prefix[0]!, [...prefix.slice(1), process.execPath, ...args], { encoding: 'utf8' })
        : spawnSync(process.execPath, args, { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(EXIT.output);
    expect(result.stderr).toMatch(/no-write\/out: cannot create the output directory: permission denied \(EACCES\)/);
  });
});
