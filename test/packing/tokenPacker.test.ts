import { describe, expect, expectTypeOf, it } from 'vitest';
import { VirnucproError } from '../../src/errors.js';
import { DEFAULT_TOKEN_PACKER, MAX_PACKING_WINDOW, TokenPacker, type PackedBatch } from '../../src/packing/tokenPacker.js';
import { prng } from '../../bench/support/syntheticFasta.js';

/** Pushes (key, length) pairs and returns every batch cut, flushing at the end. */
function packAll(packer: TokenPacker<string>, rows: readonly (readonly [string, number])[]): PackedBatch<string>[] {
  const batches: PackedBatch<string>[] = [];
  for (const [key, tokens] of rows) batches.push(...packer.push(key, tokens));
  batches.push(...packer.flush());
  return batches;
}

const shape = (batches: readonly PackedBatch<string>[]) => batches.map((b) => [b.keys, b.paddedLength, b.realTokens]);

describe('TokenPacker', () => {
  it('sorts the window and cuts greedily under the budget (worked by hand)', () => {
    // Sorted: b10 d10 c12 a20. 3 rows × 12 = 36 ≤ 40; adding a20 would need 4 × 20 = 80.
    const packer = new TokenPacker<string>({ tokenBudget: 40, window: 4 });
    expect(packer.push('a', 20)).toEqual([]);
    expect(packer.push('b', 10)).toEqual([]);
    expect(packer.push('c', 12)).toEqual([]);
    expect(shape(packer.push('d', 10))).toEqual([
      [['b', 'd', 'c'], 12, 32],
      [['a'], 20, 20],
    ]);
    expect(packer.size).toBe(0);
  });

  it('gives a row longer than the budget a batch of its own and drops nothing', () => {
    const packer = new TokenPacker<string>({ tokenBudget: 10, window: 8 });
    const batches = packAll(packer, [
      ['long', 25],
      ['s1', 5],
      ['longer', 30],
      ['s2', 5],
    ]);
    expect(shape(batches)).toEqual([
      [['s1', 's2'], 5, 10],
      [['long'], 25, 25],
      [['longer'], 30, 30],
    ]);
  });

  it('pads widths up to lengthMultiple and budgets at the padded width (worked by hand)', () => {
    // Sorted: b10 d10 c13 a20; widths round to 12, 12, 16, 20. 2 rows × 12 = 24 ≤ 40; with c13, 3 × 16 = 48 > 40.
    const packer = new TokenPacker<string>({ tokenBudget: 40, window: 4, lengthMultiple: 4 });
    const batches = packAll(packer, [
      ['a', 20],
      ['b', 10],
      ['c', 13],
      ['d', 10],
    ]);
    expect(shape(batches)).toEqual([
      [['b', 'd'], 12, 20],
      [['c', 'a'], 20, 33],
    ]);
    // Without the multiple the same rows pack as b d c (3 × 13 = 39) and a.
    expect(
      shape(
        packAll(new TokenPacker<string>({ tokenBudget: 40, window: 4 }), [
          ['a', 20],
          ['b', 10],
          ['c', 13],
          ['d', 10],
        ]),
      ),
    ).toEqual([
      [['b', 'd', 'c'], 13, 33],
      [['a'], 20, 20],
    ]);
  });

  it('refuses a lengthMultiple that is not an integer in 1..64', () => {
    for (const lengthMultiple of [0, 2.5, 65, Number.NaN]) {
      expect(() => new TokenPacker({ lengthMultiple })).toThrow(/options\.lengthMultiple must be an integer in 1\.\.64/);
    }
    expect(new TokenPacker({ lengthMultiple: undefined }).lengthMultiple).toBe(1);
  });

  it('caps rows per batch at maxRows', () => {
    const packer = new TokenPacker<string>({ tokenBudget: 1000, window: 10, maxRows: 4 });
    const rows = Array.from({ length: 10 }, (_, i) => [`r${i}`, 10] as const);
    expect(packAll(packer, rows).map((b) => b.keys.length)).toEqual([4, 4, 2]);
  });

  it('holds rows until the window is full, and flush cuts whatever it holds', () => {
    const packer = new TokenPacker<string>({ tokenBudget: 100, window: 3 });
    expect(packer.flush()).toEqual([]);
    packer.push('a', 7);
    packer.push('b', 5);
    expect(packer.size).toBe(2);
    expect(shape(packer.flush())).toEqual([[['b', 'a'], 7, 12]]);
    expect(packer.size).toBe(0);
    expect(packer.flush()).toEqual([]);
    packer.push('c', 1);
    packer.push('d', 1);
    expect(packer.push('e', 1)).toHaveLength(1);
    expect(packer.size).toBe(0);
  });

  it('emits every row at once with a window of 1', () => {
    const packer = new TokenPacker<string>({ tokenBudget: 4, window: 1 });
    expect(shape(packer.push('x', 9))).toEqual([[['x'], 9, 9]]);
  });

  it('refuses invalid options with a TypeError naming the option', () => {
    expect(() => new TokenPacker({ tokenBudget: 0 })).toThrow(/options\.tokenBudget/);
    expect(() => new TokenPacker({ tokenBudget: 10.5 })).toThrow(TypeError);
    expect(() => new TokenPacker({ window: 0 })).toThrow(/options\.window/);
    expect(() => new TokenPacker({ window: MAX_PACKING_WINDOW + 1 })).toThrow(/options\.window/);
    expect(() => new TokenPacker({ maxRows: 0 })).toThrow(/options\.maxRows/);
    expect(new TokenPacker({ window: undefined }).window).toBe(DEFAULT_TOKEN_PACKER.window);
    expect(new TokenPacker().maxRows).toBe(Infinity);
  });

  it('types batches by the key type it was given', () => {
    const packer = new TokenPacker<{ frame: number }>();
    expectTypeOf(packer.push).parameters.toEqualTypeOf<[{ frame: number }, number]>();
    expectTypeOf(packer.flush()).toEqualTypeOf<readonly PackedBatch<{ frame: number }>[]>();
    // @ts-expect-error keys are checked against the packer's key type
    expect(() => packer.push('not a frame', 5)).not.toThrow();
  });

  it('refuses a row length that is not a positive integer', () => {
    const packer = new TokenPacker<string>({ window: 4 });
    for (const bad of [0, -3, 2.5, NaN]) {
      expect(() => packer.push('x', bad)).toThrow(VirnucproError);
    }
    expect(packer.size).toBe(0);
  });
});

/**
 * The reference the packer must match: a stable sort of the rows held by length, then greedy cuts.
 * Written independently of TokenPacker (plain arrays, Array.prototype.sort, which is stable).
 */
function referenceCut(held: readonly (readonly [number, number])[], budget: number, maxRows: number): number[][] {
  const sorted = [...held].sort((a, b) => a[1] - b[1]);
  const batches: number[][] = [];
  let current: (readonly [number, number])[] = [];
  for (const row of sorted) {
    const rows = current.length + 1;
    if (current.length > 0 && (rows > maxRows || rows * row[1] > budget)) {
      batches.push(current.map(([key]) => key));
      current = [];
    }
    current.push(row);
  }
  if (current.length > 0) batches.push(current.map(([key]) => key));
  return batches;
}

describe('TokenPacker properties (random lengths, windows, budgets and flush points)', () => {
  it('matches the reference, keeps every row exactly once and respects every bound', () => {
    const random = prng(20261129);
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    // Violations are collected as text and asserted once: an expect() per row would dominate the run time.
    const violations: string[] = [];
    for (let trial = 0; trial < 300; trial++) {
      const window = int(1, 64);
      const tokenBudget = int(1, 400);
      const maxRows = random() < 0.5 ? Infinity : int(1, 12);
      const packer = new TokenPacker<number>({ tokenBudget, window, maxRows });
      const lengths = Array.from({ length: int(0, 300) }, () => (random() < 0.05 ? int(1, 1000) : int(1, 60)));
      const seen = new Uint8Array(lengths.length);
      let held: [number, number][] = [];
      const fail = (what: string) =>
        violations.push(`trial ${trial} (window ${window}, budget ${tokenBudget}, maxRows ${maxRows}): ${what}`);

      const check = (batches: readonly PackedBatch<number>[], when: string) => {
        const expected = JSON.stringify(referenceCut(held, tokenBudget, maxRows));
        const got = JSON.stringify(batches.map((b) => b.keys));
        if (got !== expected) fail(`${when}: cut ${got}, reference ${expected}`);
        for (const batch of batches) {
          const rowLengths = batch.keys.map((key) => lengths[key]!);
          const rows = rowLengths.length;
          if (rowLengths.some((len, i) => i > 0 && len < rowLengths[i - 1]!)) fail(`${when}: unsorted batch ${rowLengths}`);
          if (batch.paddedLength !== Math.max(...rowLengths)) fail(`${when}: paddedLength ${batch.paddedLength} for ${rowLengths}`);
          if (batch.realTokens !== rowLengths.reduce((a, b) => a + b, 0)) fail(`${when}: realTokens ${batch.realTokens}`);
          if (rows > maxRows) fail(`${when}: ${rows} rows`);
          if (rows > 1 && rows * batch.paddedLength > tokenBudget) fail(`${when}: ${rows} × ${batch.paddedLength} over budget`);
          for (const key of batch.keys) seen[key] = seen[key]! + 1;
        }
        held = [];
      };

      lengths.forEach((tokens, key) => {
        held.push([key, tokens]);
        const batches = packer.push(key, tokens);
        if (held.length === window) check(batches, 'full window');
        else if (batches.length > 0) fail(`row ${key}: cut before the window was full`);
        if (packer.size !== held.length || packer.size >= window) fail(`row ${key}: size ${packer.size}, held ${held.length}`);
        if (random() < 0.05) check(packer.flush(), `flush after row ${key}`);
      });
      check(packer.flush(), 'final flush');
      const wrong = seen.findIndex((count) => count !== 1);
      if (wrong >= 0) fail(`row ${wrong} emitted ${seen[wrong]} times`);
    }
    expect(violations).toEqual([]);
  });
});
