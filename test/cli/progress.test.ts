import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../bench/support/syntheticFasta.js';
import { CLI, runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

/**
 * Progress as a cluster job's log sees it: stderr is a file, not a terminal. Every line carries a UTC time
 * stamp, a progress line comes every --progress-interval seconds, and its percentage counts work finished
 * through the last stage (checked against the frames written at that moment), not input bytes read.
 */

const DEMO = path.join(REPO_ROOT, 'models/demo');
const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) \[(INFO|WARN|ERRO)\] /;

let dir: string;
/**
 * 3 000 reads of 500 bp (1.5 Mbp: two 1 MiB input batches). One read in 25 is G/C-rich and keeps frames, the
 * others keep almost none, evenly spread: the share of frames written follows the share of bases finished.
 */
let reads: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-progress-'));
  reads = path.join(dir, 'reads.fa');
  const random = prng(11);
  let text = '';
  for (let i = 0; i < 3000; i++) {
    const alphabet = i % 25 === 0 ? 'GGCCGCA' : 'ACGT';
    let sequence = '';
    for (let b = 0; b < 500; b++) sequence += alphabet[Math.floor(random() * alphabet.length)];
    text += `>r${i}\n${sequence}\n`;
  }
  await writeFile(reads, text);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/**
 * Runs the CLI with stderr to a file (what a batch scheduler does). `stdin`, if given, is written in two
 * halves, the second once two progress lines are out: a slow upstream whose size is unknown until it ends.
 */
async function runToLog(args: readonly string[], stdin?: string): Promise<{ code: number | null; log: string }> {
  const log = path.join(dir, `stderr-${Math.random().toString(36).slice(2)}.log`);
  const err = openSync(log, 'w');
  const child = spawn(process.execPath, [CLI, ...args], { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', err] });
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (stdin !== undefined) {
    const half = stdin.indexOf('>', stdin.length >> 1);
    child.stdin!.write(stdin.slice(0, half));
    // The rest once two progress lines were written on the first half (or after 60 s: the test then fails).
    for (let waited = 0; waited < 60_000 && (readFileSync(log, 'utf8').match(/progress: /g) ?? []).length < 2; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.stdin!.end(stdin.slice(half));
  }
  const code = await closed;
  closeSync(err);
  return { code, log: readFileSync(log, 'utf8') };
}

interface ProgressLine {
  readonly time: number;
  readonly percent: number | undefined;
  readonly framesWritten: number;
}

function progressLines(log: string): ProgressLine[] {
  return log
    .split('\n')
    .filter((line) => line.includes('[INFO] progress: '))
    .map((line) => ({
      time: Date.parse(STAMP.exec(line)![1]!),
      percent: /progress: ([\d.]+) % of/.exec(line) ? Number(/progress: ([\d.]+) % of/.exec(line)![1]) : undefined,
      framesWritten: Number(/([\d,]+) frames written/.exec(line)![1]!.replace(/,/g, '')),
    }));
}

const count = (text: string): number => Number(text.replace(/,/g, ''));

describe('progress on stderr', () => {
  it('time-stamps every line and prints progress lines whose percentage follows the frames written', async () => {
    const { code, log } = await runToLog(['predict', '-m', DEMO, '-j', '2', '--progress-interval', '0.2', reads]);
    expect(code, log).toBe(0);
    const lines = log.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(STAMP);
    const times = lines.map((line) => Date.parse(STAMP.exec(line)![1]!));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const frames = count(/→ ([\d,]+) frames kept/.exec(log)![1]!);
    expect(frames).toBeGreaterThan(100);
    const progress = progressLines(log);
    expect(progress.length, log).toBeGreaterThanOrEqual(3);
    // About every 0.2 s (a busy machine may stretch a gap, never shrink one much).
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.time - progress[i - 1]!.time).toBeGreaterThanOrEqual(150);
    let previous = 0;
    for (const line of progress) {
      expect(line.percent, 'a plain file has a percentage').toBeDefined();
      expect(line.percent!).toBeGreaterThanOrEqual(previous);
      expect(line.percent!).toBeLessThanOrEqual(100);
      previous = line.percent!;
      // The input is read whole long before the models are done: a percentage of bytes read would be near
      // 100 % while few frames are written. Work finished tracks the frames written.
      expect(Math.abs(line.percent! / 100 - line.framesWritten / frames), log).toBeLessThan(0.1);
    }
    expect(
      progress.some((line) => line.percent! > 0 && line.percent! < 100),
      log,
    ).toBe(true);
    expect(log).toMatch(
      /rates over the last [\d.]+ s: read [\d,]+ records\/s, translate [\d,]+ frames\/s, embed-dna [\d,]+ frames\/s, embed-protein [\d,]+ frames\/s, classify [\d,]+ frames\/s, write [\d,]+ rows\/s/,
    );
  }, 120_000);

  it('gives no percentage on stdin until its end is read (then its size is known)', async () => {
    const { code, log } = await runToLog(
      ['predict', '-m', DEMO, '-j', '2', '--progress-interval', '0.2', '-'],
      readFileSync(reads, 'latin1'),
    );
    expect(code, log).toBe(0);
    const progress = log.split('\n').filter((line) => line.includes('[INFO] progress: '));
    const before = progress.filter((line) => !line.includes('%'));
    expect(before.length, log).toBeGreaterThanOrEqual(2);
    for (const line of before) expect(line).toMatch(/progress: [\d.]+ (k|M)?bp done \(input size unknown: no percentage\)/);
    // Never an estimate ('~'): once stdin has ended, the total is the bases read.
    for (const line of progress.slice(before.length)) expect(line).toMatch(/progress: [\d.]+ % of 1\.5 Mbp done/);
    expect(progress.slice(0, before.length)).toEqual(before);
  }, 120_000);

  it('-q leaves nothing on stderr, not even progress', async () => {
    const { code, log } = await runToLog([
      'predict',
      '-m',
      DEMO,
      '-j',
      '2',
      '-q',
      '--progress-interval',
      '0.05',
      path.join(REPO_ROOT, 'examples/data/demo.fa'),
    ]);
    expect(code).toBe(0);
    expect(log).toBe('');
  }, 120_000);

  it('on a terminal, redraws one line in place, cut to its width, and stamps no time', async (context) => {
    // util-linux `script` runs the command on a pseudo-terminal (stderr is then a TTY).
    if (spawnSync('script', ['--version'], { stdio: 'ignore' }).status !== 0) return context.skip('util-linux script is not installed');
    const command = `stty cols 90; ${process.execPath} ${CLI} predict -m ${DEMO} -j 2 ${reads} > /dev/null`;
    const run = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'latin1', timeout: 120_000 });
    expect(run.status, run.stdout).toBe(0);
    const redraws = run.stdout.split('\r\x1b[K').slice(1, -1);
    expect(redraws.length, run.stdout).toBeGreaterThanOrEqual(2);
    for (const line of redraws) {
      expect(line).toMatch(/^progress: [\d.]+ % of ~?[\d.]+ Mbp done/);
      expect(line.length).toBeLessThanOrEqual(89);
    }
    expect(run.stdout).toMatch(/^\[INFO\] virnucpro \S+ predict: bundle 'demo[^\n]*\r?\n\[WARN\] bundle 'demo/);
    expect(run.stdout).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  }, 120_000);

  it('time-stamps errors too', async () => {
    const { code, log } = await runToLog(['chunk', path.join(dir, 'absent.fa')]);
    expect(code).toBe(3);
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[ERRO\] .*absent\.fa/);
  });

  it('refuses an interval that is not a positive number of seconds', async () => {
    for (const bad of ['0', 'abc', '1e3', '.']) {
      const result = await runCli(['chunk', '--progress-interval', bad, reads]);
      expect(result.code, bad).toBe(2);
      expect(result.stderr).toContain(`invalid --progress-interval ${bad}: expected a positive number of seconds`);
    }
  });
});
