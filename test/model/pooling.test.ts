import { describe, expect, it } from 'vitest';
import { padTokenRows } from '../../src/model/batches.js';
import { ESM_MAX_POOLED_RESIDUES, poolHiddenStates, poolingSpan, realLengths } from '../../src/model/pooling.js';

describe('poolingSpan (semantics §5-6)', () => {
  it("'mean' covers every real token, specials included", () => {
    expect(poolingSpan('mean', 7, 0)).toEqual([0, 7]);
    expect(poolingSpan('mean', 1, 0)).toEqual([0, 1]);
  });

  it("'mean-residues' covers positions 1..min(1024, P) with P = real − 2", () => {
    expect(poolingSpan('mean-residues', 3, 0)).toEqual([1, 2]);
    expect(poolingSpan('mean-residues', 1026, 0)).toEqual([1, 1025]);
    expect(poolingSpan('mean-residues', 1027, 0)).toEqual([1, 1025]);
    expect(poolingSpan('mean-residues', 5000, 0)).toEqual([1, 1 + ESM_MAX_POOLED_RESIDUES]);
  });

  it("'mean-residues' refuses a row with no residue", () => {
    expect(() => poolingSpan('mean-residues', 2, 4)).toThrow(/row 4 has 2 tokens: no residue/);
  });
});

describe('realLengths', () => {
  it('counts the leading 1s of each right-padded row', () => {
    const batch = padTokenRows([[1, 2, 3], [1], [5, 5]], 0);
    expect(Array.from(realLengths(batch.attentionMask, 3, 3))).toEqual([3, 1, 2]);
  });

  it('refuses a 1 after padding, a value other than 0/1 and an empty row', () => {
    const batch = padTokenRows(
      [
        [1, 2, 3],
        [1, 2],
      ],
      0,
    );
    batch.attentionMask[5] = 1n;
    batch.attentionMask[4] = 0n;
    expect(() => realLengths(batch.attentionMask, 2, 3)).toThrow(/row 1: position 2 is 1 after the real tokens end at 1/);
    batch.attentionMask.set([1n, 1n, 2n], 0);
    expect(() => realLengths(batch.attentionMask.subarray(0, 3), 1, 3)).toThrow(/position 2 is 2/);
    batch.attentionMask.set([0n, 0n, 0n], 0);
    expect(() => realLengths(batch.attentionMask.subarray(0, 3), 1, 3)).toThrow(/row 0 has no real token/);
  });
});

describe('poolHiddenStates', () => {
  it('averages each row over its span in float64 and rounds once to float32', () => {
    // 2 rows × 4 positions × width 2; row 0 has 4 real tokens, row 1 has 3.
    const hidden = Float32Array.from([1, 10, 2, 20, 4, 40, 1e8, 1, /* row 1 */ 0.1, 0, 0.2, 0, 0.4, 0, 9, 9]);
    const mean = poolHiddenStates(hidden, { rows: 2, length: 4, width: 2 }, Int32Array.from([4, 3]), 'mean');
    expect(Array.from(mean)).toEqual([
      Math.fround((1 + 2 + 4 + 1e8) / 4),
      Math.fround((10 + 20 + 40 + 1) / 4),
      Math.fround((Math.fround(0.1) + Math.fround(0.2) + Math.fround(0.4)) / 3),
      0,
    ]);
    const residues = poolHiddenStates(hidden, { rows: 2, length: 4, width: 2 }, Int32Array.from([4, 3]), 'mean-residues');
    expect(Array.from(residues)).toEqual([Math.fround((2 + 4) / 2), 30, Math.fround(0.2), 0]);
  });
});
