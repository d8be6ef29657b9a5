import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prng } from '../../bench/support/syntheticFasta.js';
import { journalLine, type ConsensusEntry } from '../../src/output/consensusJournal.js';
import { sortConsensus } from '../../src/output/consensusSort.js';
import { formatFloat32 } from '../../src/output/float32Text.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-sort-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Random journal rows: ids from a small pool (so duplicates occur), chunk numbers 1..12 (so _10 vs _9 matters). */
function randomEntries(count: number, seed: number): ConsensusEntry[] {
  const random = prng(seed);
  return Array.from({ length: count }, () => ({
    id: `r${Math.floor(random() * count * 0.1)}_chunk_${1 + Math.floor(random() * 12)}`,
    maxScore1: Math.fround(random()),
    maxScore2: Math.fround(random()),
  }));
}

/**
 * The original's rule written directly (prediction.py + pandas): group frames by chunk id, groups in Python
 * string order, Is_Virus = max(score2) >= max(score1) over the group.
 */
function expectedFile(entries: readonly ConsensusEntry[]): string {
  const groups = new Map<string, { s1: number; s2: number }>();
  for (const e of entries) {
    const g = groups.get(e.id);
    groups.set(e.id, g ? { s1: Math.max(g.s1, e.maxScore1), s2: Math.max(g.s2, e.maxScore2) } : { s1: e.maxScore1, s2: e.maxScore2 });
  }
  const ids = [...groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return 'Modified_ID\tIs_Virus\n' + ids.map((id) => `${id}\t${groups.get(id)!.s2 >= groups.get(id)!.s1 ? 'True' : 'False'}\n`).join('');
}

async function journalOf(entries: readonly ConsensusEntry[]): Promise<string> {
  const file = path.join(dir, 'consensus.journal');
  await writeFile(file, entries.map(journalLine).join(''), 'latin1');
  return file;
}

describe('sortConsensus', () => {
  it.each([
    ['in memory', 1_000_000, 256, 0],
    ['from sorted runs, one merge', 700, 256, 15],
    ['from sorted runs merged in passes', 300, 4, 34 + 9 + 3],
  ])('sorts like pandas groupby and merges duplicate ids: %s', async (_, runRows, fanIn, runs) => {
    const entries = randomEntries(10_000, runRows);
    const out = path.join(dir, 'prediction_results_highestscore.csv');
    const result = await sortConsensus(await journalOf(entries), out, { runRows, fanIn, tempDir: dir });
    const text = await readFile(out, 'latin1');
    expect(text).toBe(expectedFile(entries));
    const rows = text.split('\n').length - 2;
    expect(result).toEqual({ journalRows: 10_000, rows, mergedDuplicates: 10_000 - rows, runs });
    expect(result.mergedDuplicates).toBeGreaterThan(2000);
    expect((await readdir(dir)).sort()).toEqual(['consensus.journal', 'prediction_results_highestscore.csv']);
  });

  it('orders a_chunk_10 before a_chunk_9 and keeps ties viral', async () => {
    const entries = [
      { id: 'b_chunk_2', maxScore1: 0.7, maxScore2: 0.5 },
      { id: 'a_chunk_9', maxScore1: 1e-6, maxScore2: 0.999999 },
      { id: 'a_chunk_10', maxScore1: 0.5, maxScore2: 0.5 },
    ].map((e) => ({ ...e, maxScore1: Math.fround(e.maxScore1), maxScore2: Math.fround(e.maxScore2) }));
    const out = path.join(dir, 'out.csv');
    await sortConsensus(await journalOf(entries), out, { tempDir: dir, runRows: 1, fanIn: 2 });
    expect(await readFile(out, 'latin1')).toBe('Modified_ID\tIs_Virus\na_chunk_10\tTrue\na_chunk_9\tTrue\nb_chunk_2\tFalse\n');
  });

  it('writes the header alone for an empty journal', async () => {
    const out = path.join(dir, 'out.csv');
    const result = await sortConsensus(await journalOf([]), out, { tempDir: dir });
    expect(await readFile(out, 'latin1')).toBe('Modified_ID\tIs_Virus\n');
    expect(result).toEqual({ journalRows: 0, rows: 0, mergedDuplicates: 0, runs: 0 });
  });

  it('keeps the exact float32 maxima through the journal text', async () => {
    // Two scores one ulp apart: only exact digits keep the comparison right.
    const a = Math.fround(0.5);
    const b = new Float32Array(new Uint32Array([new Uint32Array(Float32Array.of(a).buffer)[0]! + 1]).buffer)[0]!;
    expect(formatFloat32(b)).not.toBe(formatFloat32(a));
    const out = path.join(dir, 'out.csv');
    await sortConsensus(
      await journalOf([
        { id: 'x_chunk_1', maxScore1: b, maxScore2: a },
        { id: 'y_chunk_1', maxScore1: a, maxScore2: b },
      ]),
      out,
      { tempDir: dir },
    );
    expect(await readFile(out, 'latin1')).toBe('Modified_ID\tIs_Virus\nx_chunk_1\tFalse\ny_chunk_1\tTrue\n');
  });

  it('refuses a damaged journal line (RESUME_CORRUPT, naming file and line) and leaves no file behind', async () => {
    const file = path.join(dir, 'consensus.journal');
    await writeFile(file, 'a_chunk_1\t0.5\t0.5\nbroken line\n');
    const out = path.join(dir, 'out.csv');
    await expect(sortConsensus(file, out, { tempDir: dir })).rejects.toMatchObject({ code: 'RESUME_CORRUPT', position: { file, line: 2 } });
    expect(await readdir(dir)).toEqual(['consensus.journal']);
  });

  it('validates its options', async () => {
    await expect(sortConsensus('x', 'y', { tempDir: dir, runRows: 0 })).rejects.toThrow(/options\.runRows must be an integer >= 1/);
    await expect(sortConsensus('x', 'y', { tempDir: dir, fanIn: 1 })).rejects.toThrow(/options\.fanIn must be an integer >= 2/);
  });
});
