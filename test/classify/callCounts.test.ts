import { describe, expect, it } from 'vitest';
import { CallTally, addCalls, NO_CALLS, type CallCounts } from '../../src/classify/callCounts.js';
import type { ConsensusRows } from '../../src/classify/consensus.js';
import type { RecordCall } from '../../src/classify/recordCalls.js';
import type { ChunkNames } from '../../src/sequence/chunkBatch.js';
import { readBatches as parts, type Chunk, type Read } from '../output/support/resultBatches.js';

const viral: Chunk = [
  [0.9, 0.1],
  [0.3, 0.7],
]; // max1 0.9, max2 0.7: not viral by the chunk rule
const tie: Chunk = [[0.5, 0.5]];
const low: Chunk = [[0.8, 0.2]];
const high: Chunk = [
  [0.25, 0.75],
  [0.4, 0.6],
];
const none: Chunk = [];

/** Reads of one input batch: viral, not viral, uncallable, a repeated id, a long read of mixed chunks. */
const READS: Read[] = [
  ['a', [viral, tie]], // 'viral' is not viral (0.7 < 0.9); the tie is: the read is viral
  ['b', [low, none]],
  ['c', [none, none, none]],
  ['a', [low]], // the same id again: another read
  ['long', [none, low, none, high, none]],
  ['short', [none]],
];

/** The counts worked out by hand from READS. */
const EXPECTED: CallCounts = {
  chunks: { viral: 2, notViral: 4, uncallable: 8 },
  reads: { viral: 2, notViral: 2, uncallable: 2 },
};

function tally(
  batches: readonly (ConsensusRows & { chunks: ChunkNames })[],
  start?: CallCounts,
): { calls: CallCounts; records: RecordCall[] } {
  const counts = new CallTally(start);
  const records: RecordCall[] = [];
  batches.forEach((batch, i) => counts.add(batch, i === batches.length - 1, (call) => records.push(call)));
  return { calls: counts.counts, records };
}

describe('call counts', () => {
  it('counts every chunk and every read once, viral, not viral or uncallable, however the input batch is cut into parts', () => {
    const chunks = READS.reduce((total, [, list]) => total + list.length, 0);
    for (const cuts of [[], [1], [2, 3], [5, 6, 7], [9], [10, 11, 12], Array.from({ length: chunks - 1 }, (_, k) => k + 1)]) {
      const { calls, records } = tally(parts(READS, cuts));
      expect(calls, `cuts ${cuts.join(',')}`).toEqual(EXPECTED);
      expect(
        records.map((call) => [
          call.ids[call.record],
          call.chunks,
          call.viralChunks,
          call.chunks === 0 ? null : Math.fround(call.maxScore2),
        ]),
      ).toEqual([
        ['a', 2, 1, Math.fround(0.7)],
        ['b', 1, 0, Math.fround(0.2)],
        ['c', 0, 0, null],
        ['a', 1, 0, Math.fround(0.2)],
        ['long', 2, 1, Math.fround(0.75)],
        ['short', 0, 0, null],
      ]);
    }
  });

  it('a read is counted once its input batch ends (or the next read starts), not before', () => {
    const counts = new CallTally();
    const [first, second] = parts([['r', [none, high]]], [1]);
    counts.add(first!, false);
    expect(counts.counts.reads).toEqual({ viral: 0, notViral: 0, uncallable: 0 });
    expect(counts.counts.chunks).toEqual({ viral: 0, notViral: 0, uncallable: 1 });
    counts.add(second!, true);
    expect(counts.counts.reads).toEqual({ viral: 1, notViral: 0, uncallable: 0 });
    // The next input batch has other naming data: a read with the same id there is another read.
    counts.add(parts([['r', [low]]])[0]!, true);
    expect(counts.counts.reads).toEqual({ viral: 1, notViral: 1, uncallable: 0 });
  });

  it('continues from the counts a resumed run committed, and sums parts field by field', () => {
    const half = tally(parts(READS.slice(0, 3))).calls;
    const rest = tally(parts(READS.slice(3)), half).calls;
    expect(rest).toEqual(EXPECTED);
    expect(addCalls(half, tally(parts(READS.slice(3))).calls)).toEqual(EXPECTED);
    expect(addCalls(NO_CALLS, EXPECTED)).toEqual(EXPECTED);
    expect(NO_CALLS).toEqual({ chunks: { viral: 0, notViral: 0, uncallable: 0 }, reads: { viral: 0, notViral: 0, uncallable: 0 } });
  });
});
