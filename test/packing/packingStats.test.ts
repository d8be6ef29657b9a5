import { describe, expect, it } from 'vitest';
import { PackingStats, batchEfficiency } from '../../src/packing/packingStats.js';
import type { PackedBatch } from '../../src/packing/tokenPacker.js';

const batch = (lengths: readonly number[]): PackedBatch<number> => ({
  keys: lengths.map((_, i) => i),
  paddedLength: Math.max(...lengths),
  realTokens: lengths.reduce((a, b) => a + b, 0),
});

describe('packing efficiency', () => {
  it('is real tokens over rows × padded length for one batch', () => {
    expect(batchEfficiency(batch([10, 10, 12]))).toBeCloseTo(32 / 36, 12);
    expect(batchEfficiency(batch([20]))).toBe(1);
  });

  it('sums tokens over batches, weighting each batch by its padded size (worked by hand)', () => {
    const stats = new PackingStats();
    stats.record(batch([10, 10, 12])); // 32 real of 36 padded
    stats.record(batch([20])); // 20 of 20
    stats.record(batch([3, 5])); // 8 of 10
    expect(stats.batches).toBe(3);
    expect(stats.rows).toBe(6);
    expect(stats.realTokens).toBe(60);
    expect(stats.paddedTokens).toBe(66);
    expect(stats.paddingTokens).toBe(6);
    expect(stats.efficiency).toBeCloseTo(60 / 66, 12);
    // A mean of per-batch ratios would say (32/36 + 1 + 0.8) / 3 = 0.8963, not 0.9091.
    expect(stats.toJSON()).toEqual({
      batches: 3,
      rows: 6,
      realTokens: 60,
      paddedTokens: 66,
      paddingTokens: 6,
      efficiency: 0.909091,
      meanRowsPerBatch: 2,
    });
  });

  it('reports no efficiency before the first batch, and survives JSON.stringify', () => {
    const stats = new PackingStats();
    expect(stats.efficiency).toBeNaN();
    expect(JSON.parse(JSON.stringify({ packing: stats }))).toEqual({
      packing: { batches: 0, rows: 0, realTokens: 0, paddedTokens: 0, paddingTokens: 0, efficiency: null, meanRowsPerBatch: null },
    });
  });
});
