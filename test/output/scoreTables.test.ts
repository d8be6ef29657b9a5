import { describe, expect, it } from 'vitest';
import { CallTally } from '../../src/classify/callCounts.js';
import { CHUNK_SCORES_HEADER, RECORD_SCORES_HEADER, chunkScoreRows, recordScoreRow } from '../../src/output/scoreTables.js';
import { readBatches, resultBatch, type Chunk, type FrameResult, type Read } from './support/resultBatches.js';

const f = (id: string, score1: number, score2: number): FrameResult => ({ id, score1: Math.fround(score1), score2: Math.fround(score2) });

/** Frames of three reads: 'a' two chunks (one viral), 'b' one chunk (a tie: viral), 'a' again (another read, same id). */
const FRAMES = [
  f('a_chunk_1F1', 0.9, 0.1),
  f('a_chunk_1R2', 0.6, 0.4),
  f('a_chunk_2F2', 0.3, 0.7),
  f('b_chunk_1F1', 0.5, 0.5),
  f('a_chunk_1F3', 0.2, 0.8),
];

const none: Chunk = [];
/** Reads with chunks with and without a call: 'u' has none, 'long' has some, 'a' comes twice. */
const READS: Read[] = [
  [
    'a',
    [
      [
        [0.9, 0.1],
        [0.6, 0.4],
      ],
      [[0.3, 0.7]],
    ],
  ],
  ['u', [none, none]],
  [
    'long',
    [
      none,
      [[0.8, 0.2]],
      none,
      [
        [0.6, 0.4],
        [0.7, 0.35],
      ],
    ],
  ],
  ['a', [[[0.2, 0.8]]]],
  ['tiny', [none]],
];

describe('score tables', () => {
  it('chunk_scores.tsv: one row per chunk with a call, in input order, both maxima', () => {
    expect(CHUNK_SCORES_HEADER).toBe('chunk_id\tis_virus\tmax_score1\tmax_score2\n');
    expect(chunkScoreRows(resultBatch(FRAMES))).toBe(
      'a_chunk_1\tFalse\t0.9\t0.4\na_chunk_2\tTrue\t0.3\t0.7\nb_chunk_1\tTrue\t0.5\t0.5\na_chunk_1\tTrue\t0.2\t0.8\n',
    );
  });

  it('record_scores.tsv: one row per read, uncallable ones with 0 chunks and NA, however the reads are cut into parts', () => {
    expect(RECORD_SCORES_HEADER).toBe('sequence_id\tchunks\tviral_chunks\tmax_score2\n');
    // Worked out by hand: the largest max_score2 over a read's chunks with a call, their count, the viral ones (max2 >= max1).
    const expected = 'a\t2\t1\t0.7\nu\t0\t0\tNA\nlong\t2\t0\t0.4\na\t1\t1\t0.8\ntiny\t0\t0\tNA\n';
    for (const cuts of [[], [1], [2, 3], [3, 4, 5, 6], [1, 2, 3, 4, 5, 6, 7, 8]]) {
      const tally = new CallTally();
      const batches = readBatches(READS, cuts);
      let text = '';
      let chunks = '';
      batches.forEach((batch, i) => {
        tally.add(batch, i === batches.length - 1, (call) => (text += recordScoreRow(call)));
        chunks += chunkScoreRows(batch);
      });
      expect(text, `cuts ${cuts.join(',')}`).toBe(expected);
      expect(chunks, `cuts ${cuts.join(',')}`).toBe(
        'a_chunk_1\tFalse\t0.9\t0.4\na_chunk_2\tTrue\t0.3\t0.7\nlong_chunk_2\tFalse\t0.8\t0.2\nlong_chunk_4\tFalse\t0.7\t0.4\na_chunk_1\tTrue\t0.2\t0.8\n',
      );
    }
  });
});
