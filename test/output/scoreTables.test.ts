import { describe, expect, it } from 'vitest';
import type { ClassifiedFrames } from '../../src/classify/classification.js';
import { chunkConsensusTable, type ConsensusRows } from '../../src/classify/consensus.js';
import { formatFloat32 } from '../../src/output/float32Text.js';
import { CHUNK_SCORES_HEADER, RECORD_SCORES_HEADER, RecordRollup, chunkScoreRows } from '../../src/output/scoreTables.js';
import { resultBatch, type FrameResult } from './support/resultBatches.js';

const f = (id: string, score1: number, score2: number): FrameResult => ({ id, score1: Math.fround(score1), score2: Math.fround(score2) });

/** Frames of three reads: 'a' two chunks (one viral), 'b' one chunk (a tie: viral), 'a' again (another read, same id). */
const FRAMES = [
  f('a_chunk_1F1', 0.9, 0.1), f('a_chunk_1R2', 0.6, 0.4),
  f('a_chunk_2F2', 0.3, 0.7),
  f('b_chunk_1F1', 0.5, 0.5),
  f('a_chunk_1F3', 0.2, 0.8),
];

/** Frames [from, to) of `batch` as a batch of their own that keeps the same naming data (as the pipeline's parts do). */
function part(batch: ClassifiedFrames & ConsensusRows, from: number, to: number): ClassifiedFrames & ConsensusRows {
  const sliced: ClassifiedFrames = {
    ...batch,
    count: to - from,
    chunk: batch.chunk.slice(from, to),
    frame: batch.frame.slice(from, to),
    nucleotideStarts: new Uint32Array(to - from + 1),
    proteinStarts: new Uint32Array(to - from + 1),
    score1: batch.score1.slice(from, to),
    score2: batch.score2.slice(from, to),
  };
  return { ...sliced, consensus: chunkConsensusTable(sliced) };
}

/** The roll-up computed independently, from frame ids: records are runs of frames whose chunk belongs to one read. */
function expectedRollup(frames: readonly FrameResult[], recordOf: readonly number[]): string {
  const rows: string[] = [];
  const chunks = new Map<string, { record: number; max1: number; max2: number }>();
  frames.forEach((frame, i) => {
    const key = `${recordOf[i]}:${frame.id.slice(0, -2)}`;
    const seen = chunks.get(key);
    chunks.set(key, { record: recordOf[i]!, max1: Math.max(seen?.max1 ?? -1, frame.score1), max2: Math.max(seen?.max2 ?? -1, frame.score2) });
  });
  const records = [...new Set(recordOf)];
  for (const record of records) {
    const mine = [...chunks.entries()].filter(([, chunk]) => chunk.record === record);
    const id = mine[0]![0].split(':')[1]!.replace(/_chunk_\d+$/, '');
    const viral = mine.filter(([, chunk]) => chunk.max2 >= chunk.max1).length;
    const max = Math.max(...mine.map(([, chunk]) => chunk.max2));
    rows.push(`${id}\t${mine.length}\t${viral}\t${formatFloat32(max)}`);
  }
  return rows.map((row) => `${row}\n`).join('');
}

describe('score tables', () => {
  it('chunk_scores.tsv: one row per chunk with a call, in input order, both maxima', () => {
    expect(CHUNK_SCORES_HEADER).toBe('chunk_id\tis_virus\tmax_score1\tmax_score2\n');
    expect(chunkScoreRows(resultBatch(FRAMES))).toBe(
      'a_chunk_1\tFalse\t0.9\t0.4\na_chunk_2\tTrue\t0.3\t0.7\nb_chunk_1\tTrue\t0.5\t0.5\na_chunk_1\tTrue\t0.2\t0.8\n');
  });

  it('record_scores.tsv: one row per read with a call (reads sharing an id apart), however the frames are batched', () => {
    expect(RECORD_SCORES_HEADER).toBe('sequence_id\tchunks\tviral_chunks\tmax_score2\n');
    const expected = expectedRollup(FRAMES, [0, 0, 0, 1, 2]);
    expect(expected).toBe('a\t2\t1\t0.7\nb\t1\t1\t0.5\na\t1\t1\t0.8\n');
    const whole = resultBatch(FRAMES);
    for (const cuts of [[5], [2, 5], [3, 5], [2, 3, 4, 5]]) { // never inside a chunk, as the pipeline guarantees
      const rollup = new RecordRollup();
      let text = '';
      let from = 0;
      for (const to of cuts) {
        text += rollup.add(part(whole, from, to));
        from = to;
      }
      expect(text + rollup.flush(), `cuts ${cuts.join(',')}`).toBe(expected);
      expect(rollup.flush()).toBe('');
    }
  });

  it('flush at an input batch end closes the record even when the next batch starts with the same id', () => {
    const rollup = new RecordRollup();
    const first = resultBatch([f('r_chunk_1F1', 0.1, 0.9)]);
    const second = resultBatch([f('r_chunk_1F1', 0.9, 0.1)]);
    expect(rollup.add(first)).toBe('');
    // Another input batch: other naming data, so another record.
    expect(rollup.add(second)).toBe('r\t1\t1\t0.9\n');
    expect(rollup.flush()).toBe('r\t1\t0\t0.1\n');
  });
});
