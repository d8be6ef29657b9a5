import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirnucproError, mergeRuns, runPredict, type DirectoryTableGroup, type PredictRunOptions } from 'virnucpro';
import { writeTinyBundle } from '../../bench/support/tinyBundle.js';
import { syntheticReads } from '../../bench/support/syntheticReads.js';

// A table that exists only here, given to runPredict and mergeRuns as a group of -o's optional tables: it is
// written, committed, resumed after an interruption and merged from shards like the original's files, with
// nothing but its description (src/output/directoryTable.ts).

/** chunk_ids.csv: every chunk of every read (called or not), with its read's id. */
const CHUNK_IDS: DirectoryTableGroup = {
  option: 'chunkIds',
  flag: 'chunk-ids',
  description: 'with -o: also write chunk_ids.csv',
  needsDir: 'the table is a file in it',
  title: 'chunk ids',
  tables: [
    {
      key: 'chunkIds',
      file: 'chunk_ids.csv',
      digests: 'chunk_ids.sha256',
      header: 'chunk_id,sequence_id\n',
      rows: ({ batch }) => {
        const { ids, recordIndex, chunkNumber } = batch.chunks;
        let rows = '';
        for (let k = 0; k < recordIndex.length; k++) rows += `${ids[recordIndex[k]!]!}_chunk_${chunkNumber[k]!},${ids[recordIndex[k]!]!}\n`;
        return rows;
      },
      count: ({ calls }) => calls.chunks.viral + calls.chunks.notViral + calls.chunks.uncallable,
    },
  ],
};
const FILES = ['prediction_results.txt', 'prediction_results_highestscore.csv', 'chunk_ids.csv'];

let dir: string;
let bundle: string;
/** ~4 MB of reads: several input batches, so several commits. */
let reads: string;
let text: string;
const at = (...names: string[]): string => path.join(dir, ...names);
const read = (...names: string[]): Promise<string> => readFile(at(...names), 'latin1');
const run = (name: string, extra: Partial<PredictRunOptions> = {}, mode: 'new' | 'resume' = 'new') =>
  runPredict(reads, { models: bundle, threads: 2, ...extra, output: { dir: at(name), mode, commitIntervalMs: 0, tables: [CHUNK_IDS] } });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-tables-'));
  bundle = await writeTinyBundle(at('tiny'));
  reads = at('reads.fa');
  text = syntheticReads(5000, 17);
  await writeFile(reads, text);
  expect((await run('whole')).status).toBe('complete');
}, 180_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('an optional table of -o given by its description alone', () => {
  it('lists every chunk of the input in order, counted in the summary, and leaves the other files as they are', async () => {
    let expected = 'chunk_id,sequence_id\n';
    for (const record of text.split('>').slice(1)) {
      const [header, ...lines] = record.split('\n');
      const id = header!.split(' ')[0]!;
      const chunks = Math.ceil(lines.join('').length / 500);
      for (let k = 1; k <= chunks; k++) expected += `${id}_chunk_${k},${id}\n`;
    }
    expect(await read('whole', 'chunk_ids.csv')).toBe(expected);
    const summary = JSON.parse(await read('whole', 'run_summary.json')) as {
      counts: { chunks: number; rowsWritten: Record<string, number> };
    };
    expect(summary.counts.rowsWritten['chunk_ids.csv']).toBe(expected.split('\n').length - 2);
    expect(summary.counts.rowsWritten['chunk_ids.csv']).toBe(summary.counts.chunks);
    // Without the table, the original's files are the same bytes.
    await runPredict(reads, { models: bundle, threads: 2, output: { dir: at('plain') } });
    for (const file of FILES.slice(0, 2)) expect(await read('plain', file), file).toBe(await read('whole', file));
    expect(existsSync(at('plain', 'chunk_ids.csv'))).toBe(false);
  });

  it('an interrupted run resumes into the files of an uninterrupted one; asking without the table is refused', async () => {
    const controller = new AbortController();
    const interrupted = run('resumed', {
      signal: controller.signal,
      onStart: ({ written }) => {
        const poll = setInterval(() => {
          if (written.frames === 0) return;
          clearInterval(poll);
          controller.abort(new VirnucproError('INTERRUPTED', 'interrupted by the test'));
        }, 5);
      },
    });
    await expect(interrupted).rejects.toMatchObject({ code: 'INTERRUPTED' });
    const state = JSON.parse(await read('resumed', '.virnucpro', 'state.json')) as {
      checkpoint: { records: number };
      files: Record<string, number>;
    };
    expect(state.checkpoint.records).toBeGreaterThan(0);
    expect(state.checkpoint.records).toBeLessThan(5000); // a real resume: the run stopped part way
    expect(state.files['chunkIds']).toBe((await read('resumed', 'chunk_ids.csv')).length);
    const without = runPredict(reads, { models: bundle, threads: 2, output: { dir: at('resumed'), mode: 'resume' } });
    await expect(without).rejects.toMatchObject({
      code: 'RESUME_MISMATCH',
      message: expect.stringMatching(/options\.chunkIds was true, now absent/),
    });
    const resumed = await run('resumed', {}, 'resume');
    expect(resumed.summary!.resume.resumed).toBe(true);
    for (const file of FILES) expect(await read('resumed', file), file).toBe(await read('whole', file));
  });

  it('merge concatenates the shards tables into those of the unsharded run', async () => {
    const shards = [1, 2, 3].map((index) => `shard${index}`);
    for (const [k, name] of shards.entries()) expect((await run(name, { shard: { index: k + 1, count: 3 } })).status).toBe('complete');
    const parts = await Promise.all(shards.map(async (name) => (await read(name, 'chunk_ids.csv')).split('\n').length - 2));
    expect(parts.filter((rows) => rows > 0).length).toBeGreaterThan(1); // the shards really split the reads
    const summary = await mergeRuns(
      at('merged'),
      shards.map((name) => at(name)),
      { version: 'test', tables: [CHUNK_IDS] },
    );
    for (const file of FILES) expect(await read('merged', file), file).toBe(await read('whole', file));
    expect(summary.counts.rowsWritten['chunk_ids.csv']).toBe(parts.reduce((a, b) => a + b, 0));
    // A part without the table does not belong with parts that have it.
    await runPredict(reads, { models: bundle, threads: 2, shard: { index: 3, count: 3 }, output: { dir: at('plain3') } });
    await expect(
      mergeRuns(at('mixed'), [at('shard1'), at('shard2'), at('plain3')], { version: 'test', tables: [CHUNK_IDS] }),
    ).rejects.toMatchObject({ code: 'MERGE_REFUSED', message: expect.stringMatching(/chunk ids written vs not written/) });
  });
});
