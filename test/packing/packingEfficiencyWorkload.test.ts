import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  PACKING_WORKLOADS,
  chunkBoundaries,
  optimalSplitCost,
  visitKeptFrames,
  visitWorkload,
} from '../../bench/micro/packingEfficiency.bench.js';
import { TokenPacker } from '../../src/packing/tokenPacker.js';
import { prng } from '../../bench/support/syntheticFasta.js';
import { describeShared, sharedPath } from '../support/shared.js';

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

/** FASTA records in file order (duplicate ids kept), sequences joined. */
function readFasta(file: string): { id: string; sequence: string }[] {
  const records: { id: string; sequence: string }[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('>')) records.push({ id: line.slice(1).split(/\s/)[0]!, sequence: '' });
    else if (records.length > 0) records[records.length - 1]!.sequence += line.trim();
  }
  return records;
}

describeShared('the benchmark\'s local chunker and frame filter agree with the original (../shared/reference)', () => {
  const reference = (name: string) => sharedPath('reference', 'generated_from_original', name);

  it('cuts the chunk boundaries of chunk_boundaries_300_500.tsv', () => {
    const lines = readFileSync(reference('chunk_boundaries_300_500.tsv'), 'utf8').trim().split('\n').slice(1);
    const expected = new Map<string, number[]>();
    for (const line of lines) {
      const [chunk, length, , start, end] = line.split('\t').map(Number);
      const key = `${chunk} ${length}`;
      expected.set(key, [...(expected.get(key) ?? []), start!, end!]);
    }
    const out = new Int32Array(2 * 256);
    for (const [key, bounds] of expected) {
      const [chunk, length] = key.split(' ').map(Number);
      const count = chunkBoundaries(length!, chunk!, out);
      expect([...out.subarray(0, 2 * count)], key).toEqual(bounds);
    }
  });

  it('keeps the frames (protein length, nucleotide slice) the original kept, on the ACGT-only edge cases', () => {
    const chunks = readFasta(reference('edge_cases_chunked500.fa')).filter((r) => /^[ACGT]*$/i.test(r.sequence));
    const acgtIds = new Set(chunks.map((chunk) => chunk.id));
    const nucleotides = readFasta(reference('edge_cases_identified_nucleotide.fa'));
    const proteins = readFasta(reference('edge_cases_identified_protein.faa'));
    const expected = nucleotides
      .map((record, i) => ({ chunk: record.id.slice(0, -2), p: proteins[i]!.sequence.length, dna: record.sequence }))
      .filter((frame) => acgtIds.has(frame.chunk))
      .map(({ p, dna }) => [p, dna]);

    const got: (number | string)[][] = [];
    for (const chunk of chunks) {
      const codes = Uint8Array.from(chunk.sequence.toUpperCase(), (base) => 'ACGT'.indexOf(base));
      visitKeptFrames(codes, new Uint8Array(codes.length), (p, slice) => got.push([p, Array.from(slice, (c) => 'ACGT'[c]).join('')]));
    }
    expect(chunks.length).toBeGreaterThanOrEqual(10);
    expect(got).toEqual(expected);
  });
});
