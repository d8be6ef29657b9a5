import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';
import { suiteDir } from '../support/suiteDir.js';
import { syncedReads, textOf } from './support/syncedInput.js';

const DEMO = path.join(REPO_ROOT, 'models/demo');
const RESULTS = 'prediction_results.txt';
const HIGHEST = 'prediction_results_highestscore.csv';
const SUMMARY = 'run_summary.json';
/** Every run with the same threads: the shards must make exactly the whole run's model batches. */
const RUN = ['predict', '-q', '-j', '2', '--models', DEMO];

/** 120 reads with ten sync records spread over them (shards start and end there), 'dup' twice (far apart). */
const TEXT = textOf(syncedReads(120, 23, [8, 17, 30, 41, 52, 66, 79, 90, 104, 112], [3, 99]));

const { at, read, json } = suiteDir('virnucpro-sharded-');

async function predict(args: readonly string[]): Promise<void> {
  const result = await runCli([...RUN, ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
}

/** Runs `jobs` two at a time (the machine's cores), as a workflow engine would. */
async function inPairs(jobs: readonly (() => Promise<void>)[]): Promise<void> {
  for (let at = 0; at < jobs.length; at += 2) await Promise.all(jobs.slice(at, at + 2).map((job) => job()));
}

const shardDir = (count: number, index: number): string => at(`n${count}`, `shard${index}`);

beforeAll(async () => {
  await writeFile(at('reads.fa'), TEXT);
  const jobs: (() => Promise<void>)[] = [() => predict(['-o', at('whole'), at('reads.fa')])];
  for (let count = 1; count <= 7; count++) {
    for (let index = 1; index <= count; index++) {
      // Both spellings: K/N, and the K-of-N of Snakemake's scatter.
      const shard = index % 2 === 0 ? `${index}-of-${count}` : `${index}/${count}`;
      jobs.push(() => predict(['--shard', shard, '-o', shardDir(count, index), at('reads.fa')]));
    }
  }
  await inPairs(jobs);
}, 900_000);

describe('virnucpro predict --shard K/N, then virnucpro merge', () => {
  it('N = 1..7: the merged files are the unsharded run, byte for byte, whatever order the shards are named in', async () => {
    const whole = { results: await read('whole', RESULTS), highest: await read('whole', HIGHEST), summary: await json('whole', SUMMARY) };
    expect(whole.results.split('\n').length).toBeGreaterThan(300);
    let splitShards = 0;
    for (let count = 1; count <= 7; count++) {
      const shards = Array.from({ length: count }, (_, k) => shardDir(count, k + 1));
      const records: number[] = [];
      for (const [k, shard] of shards.entries()) {
        const summary = await json(path.relative(at(), shard), SUMMARY);
        expect(summary['shard']).toBe(`${k + 1}/${count}`);
        records.push(summary['counts']['recordsRead']);
      }
      expect(
        records.reduce((a, b) => a + b, 0),
        `N = ${count}`,
      ).toBe(120);
      if (count > 1) splitShards += records.filter((n) => n > 0).length;
      const out = at(`merged${count}`);
      const result = await runCli(['merge', out, ...shards.reverse()]);
      expect(result.code, result.stderr).toBe(0);
      expect(await read(`merged${count}`, RESULTS), `N = ${count}`).toBe(whole.results);
      expect(await read(`merged${count}`, HIGHEST), `N = ${count}`).toBe(whole.highest);
      const merged = await json(`merged${count}`, SUMMARY);
      expect(merged['input']).toEqual(whole.summary['input']);
      expect(merged['parts'].map((part: { shard: string }) => part.shard)).toEqual(
        Array.from({ length: count }, (_, k) => `${k + 1}/${count}`),
      );
      for (const key of [
        'recordsRead',
        'chunks',
        'chunksWithKeptFrames',
        'framesKept',
        'calls',
        'rowsWritten',
        'duplicateChunkIdsMerged',
      ]) {
        expect(merged['counts'][key], `N = ${count}: ${key}`).toEqual(whole.summary['counts'][key]);
      }
    }
    // The shards really split the input: most of the 27 shards of N = 2..7 hold records.
    expect(splitShards).toBeGreaterThan(15);
  });

  it('more shards than records: the empty shards are finished runs too, and merge', async () => {
    await writeFile(at('three.fa'), '>a\nACGTTGCA\n>b\nGGGCCCGGGCCCAAA\n>c\nATGCGCGCGCGCGCGCTAA\n');
    await predict(['-o', at('three'), at('three.fa')]);
    const shards = Array.from({ length: 7 }, (_, k) => at('three-shards', `s${k + 1}`));
    await inPairs(shards.map((shard, k) => () => predict(['--shard', `${k + 1}/7`, '-o', shard, at('three.fa')])));
    const empty = [];
    for (const shard of shards)
      if ((JSON.parse(await readFile(path.join(shard, SUMMARY), 'utf8')) as Record<string, any>)['counts']['recordsRead'] === 0)
        empty.push(shard);
    expect(empty).toHaveLength(6);
    expect((await runCli(['merge', at('three-merged'), ...shards])).code).toBe(0);
    expect(await read('three-merged', RESULTS)).toBe(await read('three', RESULTS));
    expect(await read('three-merged', HIGHEST)).toBe(await read('three', HIGHEST));
  }, 300_000);

  it('refuses shards that are not all N of one unchanged file, once each (exit 3)', async () => {
    const three = (k: number): string => shardDir(3, k);
    const refusals: [string[], RegExp][] = [
      [[three(1), three(3)], /shards 2\/3 of .*reads\.fa are missing/],
      [[three(1), three(2), three(3), three(2)], /are both shard 2\/3/],
      [[three(1), three(2), shardDir(2, 2)], /is shard 1\/3 but .* is shard 2\/2/],
      [[three(1), three(2), three(3), at('whole')], /is a run over a whole input but .* is a shard/],
    ];
    const touched = at('touched');
    await cp(three(2), touched, { recursive: true });
    const summary = JSON.parse(await readFile(path.join(touched, SUMMARY), 'utf8')) as Record<string, any>;
    summary['input']['mtime'] = '2000-01-01T00:00:00.000Z';
    await writeFile(path.join(touched, SUMMARY), JSON.stringify(summary));
    refusals.push([[three(1), touched, three(3)], /are shards of different inputs \(or the file changed between them\)/]);
    // The same file staged elsewhere (a workflow engine's job directory): same name, size and mtime, merges.
    const staged = at('staged');
    await cp(three(2), staged, { recursive: true });
    const stagedSummary = JSON.parse(await readFile(path.join(staged, SUMMARY), 'utf8')) as Record<string, any>;
    stagedSummary['input']['path'] = at('stg1234', 'reads.fa');
    await writeFile(path.join(staged, SUMMARY), JSON.stringify(stagedSummary));
    const merged = await runCli(['merge', at('merged-staged'), three(1), staged, three(3)]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(await read('merged-staged', RESULTS)).toBe(await read('whole', RESULTS));
    stagedSummary['input']['path'] = at('stg1234', 'other.fa');
    await writeFile(path.join(staged, SUMMARY), JSON.stringify(stagedSummary));
    refusals.push([[three(1), staged, three(3)], /are shards of different inputs/]);
    for (const [k, [dirs, message]] of refusals.entries()) {
      const out = at(`refused${k}`);
      const result = await runCli(['merge', out, ...dirs]);
      expect(result.stderr).toMatch(message);
      expect(result.code).toBe(3);
      expect(await readdir(out).catch(() => [])).toEqual([]);
    }
  });

  it('refuses what cannot be sharded, and a resume of another shard', async () => {
    const stdin = await runCli([...RUN, '--shard', '1/2', '-'], { stdin: TEXT });
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toMatch(/cannot read shard 1\/2 of stdin[\s\S]*seqkit split2 -s/);
    await writeFile(at('reads.fa.gz'), gzipSync(TEXT));
    const gz = await runCli([...RUN, '--shard', '2/3', '-o', at('gz'), at('reads.fa.gz')]);
    expect(gz.code).toBe(3);
    expect(gz.stderr).toMatch(/cannot read shard 2\/3 of gzip-compressed data[\s\S]*seqkit split2 -s <records per part> .*reads\.fa\.gz/);
    expect(await readdir(at('gz')).catch(() => [])).toEqual([]);
    for (const bad of ['0/3', '4/3', '1/0', 'two/three']) {
      const result = await runCli([...RUN, '--shard', bad, at('reads.fa')]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`invalid --shard ${bad}: expected K/N or K-of-N`);
    }
    const other = await runCli([...RUN, '--shard', '2/3', '--resume', '-o', shardDir(3, 1), at('reads.fa')]);
    expect(other.code).toBe(6);
    expect(other.stderr).toMatch(/input\.shard was "1\/3", now "2\/3"/);
  });
});
