import { describe, expect, it } from 'vitest';
import { allocateFeatureBatch, batchBytes, padTokenRows } from '../../src/model/batches.js';

describe('padTokenRows', () => {
  it('right-pads to the longest row with the pad id and mask 0, in one buffer of our own', () => {
    const batch = padTokenRows([[1, 700, 2], [1, 2], Int32Array.from([1, 4095, 9, 2])], 3);
    expect([batch.rows, batch.length]).toEqual([3, 4]);
    expect(Array.from(batch.inputIds, Number)).toEqual([1, 700, 2, 3, 1, 2, 3, 3, 1, 4095, 9, 2]);
    expect(Array.from(batch.attentionMask, Number)).toEqual([1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1]);
    expect(batch.inputIds.buffer).toBe(batch.buffer);
    expect(batch.attentionMask.buffer).toBe(batch.buffer);
    expect(batch.buffer.byteLength).toBe(batchBytes(batch));
    expect(batch.buffer.byteLength).toBe(2 * 3 * 4 * 8);
  });

  it("pads to a given width (the packer's rounded one) and refuses one shorter than the longest row", () => {
    const batch = padTokenRows(
      [
        [1, 700, 2],
        [1, 2],
      ],
      3,
      4,
    );
    expect([batch.rows, batch.length]).toEqual([2, 4]);
    expect(Array.from(batch.inputIds, Number)).toEqual([1, 700, 2, 3, 1, 2, 3, 3]);
    expect(Array.from(batch.attentionMask, Number)).toEqual([1, 1, 1, 0, 1, 1, 0, 0]);
    expect(() => padTokenRows([[1, 700, 2]], 3, 2)).toThrow(/cannot be padded to 2 tokens: its longest row has 3/);
  });

  it('refuses ids that are not non-negative int32 and empty batches', () => {
    expect(() => padTokenRows([[1, -1]], 0)).toThrow(/token id -1 at row 0, position 1/);
    expect(() => padTokenRows([[1, 2 ** 31]], 0)).toThrow(/token id 2147483648/);
    expect(() => padTokenRows([[1.5]], 0)).toThrow(/token id 1.5/);
    expect(() => padTokenRows([], 0)).toThrow(/at least one row/);
    expect(() => padTokenRows([[]], 0)).toThrow(/at least one token/);
  });
});

describe('allocateFeatureBatch', () => {
  it('gives a zeroed float32 [rows, width] view on its own buffer', () => {
    const batch = allocateFeatureBatch(3, 5);
    expect(batch.values.length).toBe(15);
    expect(batch.values.every((x) => x === 0)).toBe(true);
    expect(batch.buffer.byteLength).toBe(batchBytes(batch));
    expect(() => allocateFeatureBatch(0, 5)).toThrow(/rows >= 1/);
  });
});
