import { cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';
import { suiteDir } from '../support/suiteDir.js';
import { syncedReads, textOf } from './support/syncedInput.js';

const DEMO = path.join(REPO_ROOT, 'models/demo');
const RESULTS = 'prediction_results.txt';
const HIGHEST = 'prediction_results_highestscore.csv';
const SUMMARY = 'run_summary.json';

/** 100 reads; sync records at 20, 45, 70 and 71 (a batch of one record); 'dup' at 6 and 81 (G/C-rich: kept frames), in different parts. */
const RECORDS = syncedReads(100, 11, [20, 45, 70, 71], [6, 81]);
/** The input cut at its sync records, as `seqkit split2 -s` would cut it if its parts fell there. */
const PARTS = [
  [0, 20],
  [20, 45],
  [45, 70],
  [70, 100],
] as const;

const { at, read, json } = suiteDir('virnucpro-merge-');

async function predict(input: string, out: string): Promise<void> {
  const result = await runCli(['predict', '-q', '--models', DEMO, '-o', out, input]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
}

beforeAll(async () => {
  await writeFile(at('whole.fa'), textOf(RECORDS));
  await predict(at('whole.fa'), at('whole'));
  for (const [k, [from, to]] of PARTS.entries()) {
    await writeFile(at(`part${k + 1}.fa`), textOf(RECORDS, from, to));
    await predict(at(`part${k + 1}.fa`), at(`part${k + 1}`));
  }
}, 180_000);

const parts = (): string[] => PARTS.map((_, k) => at(`part${k + 1}`));

describe('virnucpro merge over parts of an input cut at sync records', () => {
  it("writes the whole run's two files byte for byte, and a summary with the whole run's counts", async () => {
    const result = await runCli(['merge', at('merged'), ...parts()]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /\[INFO\] merged 4 parts into .*merged: 100 records, \d+ frame rows, \d+ consensus rows \(\d+ rows of repeated chunk ids merged\)/,
    );
    expect(await read('merged', RESULTS)).toBe(await read('whole', RESULTS));
    expect(await read('merged', HIGHEST)).toBe(await read('whole', HIGHEST));
    // Not a vacuous comparison: the repeated id's chunks appear in two parts and are folded into one row.
    expect((await read('merged', HIGHEST)).split('\n').filter((line) => line.startsWith('dup_chunk_1\t'))).toHaveLength(1);
    expect((await read('part1', RESULTS)).includes('\ndup_chunk_1F') && (await read('part4', RESULTS)).includes('\ndup_chunk_1F')).toBe(
      true,
    );
    const whole = await json('whole', SUMMARY);
    const merged = await json('merged', SUMMARY);
    expect(merged['command']).toBe('merge');
    expect(merged['input']).toBeNull();
    expect(merged['parts'].map((part: { dir: string; shard: null }) => [part.dir, part.shard])).toEqual(
      parts().map((part) => [part, null]),
    );
    for (const key of [
      'recordsRead',
      'recordsSkipped',
      'chunks',
      'chunksWithKeptFrames',
      'framesKept',
      'calls',
      'rowsWritten',
      'duplicateChunkIdsMerged',
    ]) {
      expect(merged['counts'][key], key).toEqual(whole['counts'][key]);
    }
    expect(merged['bundle']).toMatchObject({ name: whole['bundle']['name'], manifestSha256: whole['bundle']['manifestSha256'] });
    expect(merged['chunkLength']).toBe(500);
    expect(await readdir(at('merged'))).toEqual([RESULTS, HIGHEST, SUMMARY].sort());
  });

  it('a non-empty output needs --force (exit 5); the output cannot be a part (exit 2); an output and a part are needed (exit 2)', async () => {
    await mkdir(at('taken'));
    await writeFile(at('taken', 'notes.txt'), 'mine');
    const refused = await runCli(['merge', at('taken'), ...parts()]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/not empty \(notes\.txt\)[\s\S]*--force/);
    const forced = await runCli(['merge', '--force', at('taken'), ...parts()]);
    expect(forced.code).toBe(0);
    expect(await read('taken', 'notes.txt')).toBe('mine');
    expect(await read('taken', RESULTS)).toBe(await read('whole', RESULTS));
    const self = await runCli(['merge', parts()[0]!, ...parts()]);
    expect(self.code).toBe(2);
    expect((await runCli(['merge', at('alone')])).code).toBe(2);
  });
});

describe('virnucpro merge refuses parts that do not belong together (exit 3, nothing written)', () => {
  /** A copy of part `k` (1-based), changed by `edit`. */
  async function changedPart(name: string, k: number, edit: (dir: string) => Promise<void>): Promise<string> {
    const copy = at(name);
    await cp(parts()[k - 1]!, copy, { recursive: true });
    await edit(copy);
    return copy;
  }
  const editJson = async (file: string, change: (value: Record<string, any>) => void): Promise<void> => {
    const value = JSON.parse(await readFile(file, 'utf8')) as Record<string, any>;
    change(value);
    await writeFile(file, JSON.stringify(value));
  };

  async function expectRefused(name: string, dirs: readonly string[], message: RegExp): Promise<void> {
    const out = at(`refused-${name}`);
    const result = await runCli(['merge', out, ...dirs]);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(3);
    expect(await readdir(out).catch(() => [])).toEqual([]);
  }

  it('a part that has not finished', async () => {
    const unfinished = await changedPart('unfinished', 2, (copy) =>
      editJson(path.join(copy, '.virnucpro/state.json'), (state) => (state['complete'] = false)),
    );
    await expectRefused(
      'unfinished',
      [parts()[0]!, unfinished, ...parts().slice(2)],
      /unfinished: holds no finished predict -o run[\s\S]*--resume/,
    );
  });

  it('a part run with another bundle, or another chunk length', async () => {
    const other = await changedPart('other-bundle', 3, (copy) =>
      editJson(path.join(copy, SUMMARY), (summary) => (summary['bundle']['manifestSha256'] = 'f'.repeat(64))),
    );
    await expectRefused(
      'bundle',
      [...parts().slice(0, 2), other, parts()[3]!],
      /were run differently: bundle 'demo \(meaningless\)' \(manifest sha256 [0-9a-f]{12}\) vs 'demo \(meaningless\)' \(ffffffffffff\)/,
    );
    const longer = await changedPart('other-length', 3, (copy) =>
      editJson(path.join(copy, SUMMARY), (summary) => (summary['chunkLength'] = 300)),
    );
    await expectRefused('length', [...parts().slice(0, 2), longer, parts()[3]!], /chunk length 500 vs 300/);
  });

  it('a part whose summary has no call counts (an earlier virnucpro wrote it)', async () => {
    const old = await changedPart('no-calls', 2, (copy) =>
      editJson(path.join(copy, SUMMARY), (summary) => delete summary['counts']['calls']),
    );
    await expectRefused(
      'calls',
      [parts()[0]!, old, ...parts().slice(2)],
      /no-calls\/run_summary\.json: has no viral \/ not viral counts \(counts\.calls\)[\s\S]*--force/,
    );
  });

  it('the same input twice', async () => {
    const again = await changedPart('again', 1, () => Promise.resolve());
    await expectRefused('twice', [parts()[0]!, again, ...parts().slice(1)], /are runs over the same input .*part1\.fa/);
  });

  it('a part whose frame rows do not number what its summary says, or whose rows are damaged', async () => {
    const cut = await changedPart('cut', 4, async (copy) => {
      const rows = (await readFile(path.join(copy, RESULTS), 'latin1')).split('\n');
      await writeFile(path.join(copy, RESULTS), rows.slice(0, -2).join('\n') + '\n', 'latin1');
    });
    await expectRefused(
      'cut',
      [...parts().slice(0, 3), cut],
      /prediction_results\.txt: holds \d+ frame rows but its run summary says \d+ frames were kept/,
    );
    const damaged = await changedPart('damaged', 4, async (copy) => {
      const rows = (await readFile(path.join(copy, RESULTS), 'latin1')).split('\n');
      rows[3] = rows[3]!.replace(/\t[^\t]+$/, '\tx');
      await writeFile(path.join(copy, RESULTS), rows.join('\n'), 'latin1');
    });
    await expectRefused(
      'damaged',
      [...parts().slice(0, 3), damaged],
      /prediction_results\.txt:4: expected '<frame id>\\t<prediction>\\t<score1>\\t<score2>'/,
    );
  });
});
