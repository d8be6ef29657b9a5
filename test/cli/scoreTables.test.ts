import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticReads } from '../../bench/support/syntheticReads.js';
import { writeTinyBundle } from '../../bench/support/tinyBundle.js';
import { CLI, runCli } from '../support/cli.js';
import { suiteDir } from '../support/suiteDir.js';

// predict -o --score-tables: chunk_scores.tsv and record_scores.tsv, against what the original's file and the
// input say; committed, verified and resumed like the other -o files; concatenated by merge.

const DATA = ['prediction_results.txt', 'prediction_results_highestscore.csv', 'chunk_scores.tsv', 'record_scores.tsv'];

let tiny: string;
/** ~4 MB of reads (several input batches: several commits) and three that have no callable chunk. */
let reads: string;
let text: string;
const { at, read } = suiteDir('virnucpro-score-tables-');
const run = (name: string, ...extra: string[]): string[] => [
  'predict',
  '-q',
  '-j',
  '2',
  '--models',
  tiny,
  '--score-tables',
  ...extra,
  '-o',
  at(name),
  reads,
];

beforeAll(async () => {
  tiny = await writeTinyBundle(at('tiny'));
  reads = at('reads.fa');
  text = `${syntheticReads(5000, 11)}>tiny\nAC\n>unknown\n${'N'.repeat(700)}\n>stops\n${'TAA'.repeat(120)}\n`;
  await writeFile(reads, text);
  const whole = await runCli(run('whole'));
  expect(whole.code, whole.stderr).toBe(0);
}, 180_000);

/** Starts the CLI; resolves when it ends. */
function start(args: readonly string[]): { kill: () => void; done: Promise<unknown> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, VIRNUCPRO_COMMIT_INTERVAL_MS: '0' }, stdio: 'ignore' });
  return { kill: () => child.kill('SIGKILL'), done: new Promise((resolve) => child.on('close', resolve)) };
}

/** Kills a run of `args` once its first commit covers some records. */
async function killAfterACommit(name: string, args: readonly string[]): Promise<void> {
  const job = start(args);
  const state = at(name, '.virnucpro', 'state.json');
  for (let i = 0; i < 1200 && !/"records": [1-9]/.test(existsSync(state) ? await readFile(state, 'utf8').catch(() => '') : ''); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  job.kill();
  await job.done;
}

describe('predict -o --score-tables', () => {
  it("lists every chunk with a call and every read (uncallable ones with 0 chunks and NA), as the original's file and the input say", async () => {
    // Independently: frame rows grouped per chunk id (ids are unique here), each read's chunks from its length.
    const frames = (await read('whole', DATA[0]!))
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.split('\t'));
    const chunks = new Map<string, { max1: [number, string]; max2: [number, string] }>();
    for (const [frame, , score1, score2] of frames) {
      const chunk = chunks.get(frame!.slice(0, -2)) ?? { max1: [-1, ''], max2: [-1, ''] };
      if (Number(score1) > chunk.max1[0]) chunk.max1 = [Number(score1), score1!];
      if (Number(score2) > chunk.max2[0]) chunk.max2 = [Number(score2), score2!];
      chunks.set(frame!.slice(0, -2), chunk);
    }
    let chunkRows = 'chunk_id\tis_virus\tmax_score1\tmax_score2\n';
    let recordRows = 'sequence_id\tchunks\tviral_chunks\tmax_score2\n';
    for (const [header, ...lines] of text
      .split('>')
      .slice(1)
      .map((record) => record.split('\n'))) {
      const id = header!.split(' ')[0]!;
      const mine = Array.from(
        { length: Math.ceil(lines.join('').length / 500) },
        (_, k) => [`${id}_chunk_${k + 1}`, chunks.get(`${id}_chunk_${k + 1}`)] as const,
      ).filter(([, chunk]) => chunk !== undefined);
      for (const [chunkId, chunk] of mine)
        chunkRows += `${chunkId}\t${chunk!.max2[0] >= chunk!.max1[0] ? 'True' : 'False'}\t${chunk!.max1[1]}\t${chunk!.max2[1]}\n`;
      const viral = mine.filter(([, chunk]) => chunk!.max2[0] >= chunk!.max1[0]).length;
      const best = mine.reduce((max, [, chunk]) => (chunk!.max2[0] > max[0] ? chunk!.max2 : max), [-1, 'NA'] as [number, string]);
      recordRows += `${id}\t${mine.length}\t${viral}\t${best[1]}\n`;
    }
    expect(await read('whole', 'chunk_scores.tsv')).toBe(chunkRows);
    expect(await read('whole', 'record_scores.tsv')).toBe(recordRows);
    expect(recordRows).toContain('\nunknown\t0\t0\tNA\n');
    expect(recordRows).toMatch(/\n[^\t\n]+\t[1-9]\d*\t0\t[0-9.e-]+\n/); // not vacuous: reads called not viral too
    const summary = JSON.parse(await read('whole', 'run_summary.json')) as {
      counts: { recordsRead: number; rowsWritten: Record<string, number>; chunksWithKeptFrames: number };
    };
    expect(summary.counts.rowsWritten['record_scores.tsv']).toBe(summary.counts.recordsRead);
    expect(summary.counts.rowsWritten['chunk_scores.tsv']).toBe(summary.counts.chunksWithKeptFrames);
    expect(summary.counts.recordsRead).toBe(5003);
  });

  it('after kill -9 and --resume, all four files are those of an uninterrupted run', async () => {
    await killAfterACommit('killed', run('killed'));
    const resumed = await runCli(run('killed', '--resume'));
    expect(resumed.code, resumed.stderr).toBe(0);
    for (const file of DATA) expect(await read('killed', file), file).toBe(await read('whole', file));
  });

  it('a resume checks the tables committed bytes (exit 6 naming the file), and their flag (part of the identity)', async () => {
    await killAfterACommit('tampered', run('tampered'));
    const table = at('tampered', 'record_scores.tsv');
    const original = await readFile(table, 'latin1');
    await writeFile(table, original.replace(/\n(\S)/, '\nX'), 'latin1');
    const refused = await runCli(run('tampered', '--resume'));
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/record_scores\.tsv: changed since the last commit/);
    await writeFile(table, original, 'latin1');
    const without = await runCli(run('tampered', '--resume').filter((arg) => arg !== '--score-tables'));
    expect(without.code).toBe(6);
    expect(without.stderr).toMatch(/options\.scoreTables was true, now absent/);
    const resumed = await runCli(run('tampered', '--resume'));
    expect(resumed.code, resumed.stderr).toBe(0);
    for (const file of DATA) expect(await read('tampered', file), file).toBe(await read('whole', file));
  });

  it('merge concatenates the shards tables: byte-identical to the unsharded run', async () => {
    const shards = [1, 2, 3].map((k) => `shard${k}`);
    for (const [k, name] of shards.entries()) expect((await runCli(run(name, '--shard', `${k + 1}/3`))).code).toBe(0);
    const merged = await runCli(['merge', at('merged'), ...shards.map((name) => at(name))]);
    expect(merged.code, merged.stderr).toBe(0);
    for (const file of DATA) expect(await read('merged', file), file).toBe(await read('whole', file));
    const records = await Promise.all(shards.map(async (name) => (await read(name, 'record_scores.tsv')).split('\n').length - 2));
    expect(records.filter((count) => count > 0).length).toBeGreaterThan(1); // the shards really split the reads
    // A part without the tables does not belong with parts that have them.
    expect((await runCli(['predict', '-q', '-j', '2', '--models', tiny, '--shard', '3/3', '-o', at('plain3'), reads])).code).toBe(0);
    const mixed = await runCli(['merge', at('mixed'), at('shard1'), at('shard2'), at('plain3')]);
    expect(mixed.code).toBe(3);
    expect(mixed.stderr).toMatch(/score tables written vs not written/);
  });

  it('needs -o (exit 2)', async () => {
    const result = await runCli(['predict', '--models', tiny, '--score-tables', reads]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--score-tables needs -o/);
  });
});
