import { describe, expect, it } from 'vitest';
import { PACKING_WORKLOADS, optimalSplitCost, visitWorkload } from '../../bench/micro/packingEfficiency.bench.js';
import { TokenPacker } from '../../src/packing/tokenPacker.js';
import { prng } from '../../bench/support/syntheticFasta.js';

/** Rows (kept frames) each benchmark workload yields at scale 1: the counts the benchmark asserts. */
const PINNED_ROWS: Record<string, number> = {
  '150-bp reads': 122_900,
  '300-bp chunks': 119_661,
  '500-bp chunks': 124_782,
  'mixed lengths': 131_220,
};
/** The same at scale 0.1 (the first tenth of the reads): generating them all takes seconds, this 0.4 s. */
const PINNED_ROWS_TENTH: Record<string, number> = {
  '150-bp reads': 12_292,
  '300-bp chunks': 12_057,
  '500-bp chunks': 12_487,
  'mixed lengths': 13_322,
};

describe('benchmark 8a workloads (bench/micro/packingEfficiency.bench.ts)', () => {
  it('carry the pinned row counts, and the generator still yields them', () => {
    for (const workload of PACKING_WORKLOADS) {
      expect(workload.rows, workload.name).toBe(PINNED_ROWS[workload.name]);
      let rows = 0;
      visitWorkload(workload, 0.1, () => (rows += 1));
      expect(rows, workload.name).toBe(PINNED_ROWS_TENTH[workload.name]);
    }
  });
});

describe('optimal split (the alternative the greedy packer was measured against)', () => {
  /** Every split of a sorted run into contiguous feasible batches, by brute force (n ≤ 10). */
  function bruteForce(sorted: readonly number[], budget: number): { batches: number; paddedTokens: number } {
    let best = { batches: Infinity, paddedTokens: Infinity };
    for (let mask = 0; mask < 2 ** (sorted.length - 1); mask++) {
      let batches = 0;
      let padded = 0;
      let start = 0;
      let feasible = true;
      for (let i = 0; i < sorted.length; i++) {
        if (i === sorted.length - 1 || mask & (1 << i)) {
          const rows = i - start + 1;
          if (rows > 1 && rows * sorted[i]! > budget) feasible = false;
          batches += 1;
          padded += rows * sorted[i]!;
          start = i + 1;
        }
      }
      if (feasible && (batches < best.batches || (batches === best.batches && padded < best.paddedTokens))) {
        best = { batches, paddedTokens: padded };
      }
    }
    return best;
  }

  it('finds the fewest batches with the least padding, and greedy finds as few batches', () => {
    const random = prng(3);
    for (let trial = 0; trial < 300; trial++) {
      const sorted = Array.from({ length: 1 + Math.floor(random() * 10) }, () => 1 + Math.floor(random() * 30)).sort((a, b) => a - b);
      const budget = 1 + Math.floor(random() * 120);
      const optimal = optimalSplitCost(Int32Array.from(sorted), budget);
      expect(optimal).toEqual(bruteForce(sorted, budget));
      const packer = new TokenPacker<number>({ tokenBudget: budget, window: sorted.length });
      const greedy = sorted.flatMap((tokens, i) => packer.push(i, tokens));
      expect(greedy.length).toBe(optimal.batches);
      expect(greedy.reduce((sum, b) => sum + b.keys.length * b.paddedLength, 0)).toBeGreaterThanOrEqual(optimal.paddedTokens);
    }
  });
});
