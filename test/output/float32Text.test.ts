import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFloat32, shortestDigits, type DecimalDigits } from '../../src/output/float32Text.js';
import { prng } from '../../bench/support/syntheticFasta.js';
import { REPO_ROOT } from '../support/shared.js';

/**
 * Independent oracle: Dragon4's "unique" digits computed with exact rational arithmetic (BigInt). At p
 * digits from x's leading digit, the candidates are floor and floor + 1 on the 10^(lead − p + 1) grid; a
 * candidate counts when it lies inside x's rounding interval (half an ulp each side, a quarter below a power
 * of two; the bounds included when x's mantissa is even, as IEEE round-half-even reads them back, which numpy
 * does: 55322688 → '55322690.'); both → the nearer, ties to the even digit.
 */
function dragon4Digits(x: number): DecimalDigits {
  const bits = new Uint32Array(Float32Array.of(x).buffer)[0]!;
  const biased = (bits >>> 23) & 0xff;
  const fraction = bits & 0x7fffff;
  const m = BigInt(biased === 0 ? fraction : fraction | 0x800000);
  const e = biased === 0 ? -149 : biased - 150;
  // Everything in units of 2^(e − 2): x = 4m, margins 2 (or 1 below a power of two).
  const unitExp = e - 2;
  const value = 4n * m;
  const low = value - (fraction === 0 && biased > 1 ? 1n : 2n);
  const high = value + 2n;
  // a × 2^unitExp compared with b × 10^q, exactly.
  const scaled = (a: bigint, q: number): [bigint, bigint] => {
    let left = a;
    let right = 1n;
    if (unitExp >= 0) left <<= BigInt(unitExp);
    else right <<= BigInt(-unitExp);
    if (q >= 0) right *= 10n ** BigInt(q);
    else left *= 10n ** BigInt(-q);
    return [left, right]; // value / 10^q = left / right
  };
  let lead = Math.floor(Math.log10(x));
  for (;;) {
    const [l, r] = scaled(value, lead);
    if (l < r) lead -= 1;
    else if (l >= 10n * r) lead += 1;
    else break;
  }
  for (let p = 1; p <= 9; p++) {
    const q = lead - p + 1;
    const [xl, xr] = scaled(value, q);
    const floor = xl / xr;
    const inside = (d: bigint): boolean => {
      const [lo, lr] = scaled(low, q);
      const [hi, hr] = scaled(high, q);
      const even = m % 2n === 0n;
      return even ? d * lr >= lo && d * hr <= hi : d * lr > lo && d * hr < hi; // low/10^q < d < high/10^q
    };
    const down = inside(floor);
    const up = inside(floor + 1n);
    if (!down && !up) continue;
    let d = down ? floor : floor + 1n;
    if (down && up) {
      const twice = 2n * xl - (2n * floor + 1n) * xr; // sign of x/10^q − (floor + ½)
      d = twice > 0n || (twice === 0n && floor % 2n === 1n) ? floor + 1n : floor;
    }
    const text = d.toString();
    return { digits: text.replace(/0+$/, '') || '0', exponent: q + text.length - 1 };
  }
  throw new Error(`no candidate for ${x}`);
}

function float32FromBits(bits: number): number {
  return new Float32Array(Uint32Array.of(bits).buffer)[0]!;
}

describe('formatFloat32 (numpy str of a float32 scalar)', () => {
  it.each([
    // Printed by numpy (float32 scalar str); values ≥ 1e7 by numpy's format_float_positional, the 1.x str() rule.
    [1e-4, '1e-04'],
    [1e-6, '1e-06'],
    [1.5e-5, '1.5e-05'],
    [9.999999e-5, '9.999999e-05'],
    [0.00012345, '0.00012345'],
    [0.5, '0.5'],
    [1, '1.0'],
    [0, '0.0'],
    [-0, '-0.0'],
    [123, '123.0'],
    [2 ** -30, '9.313226e-10'],
    [0.99999994, '0.99999994'],
    [0.1, '0.1'],
    [0.3, '0.3'],
    [12345.678, '12345.678'],
    [1e-45, '1e-45'],
    [2 ** -126, '1.1754944e-38'],
    [3.4028235e38, '3.4028235e+38'],
    [1e7, '10000000.0'],
    [16777216, '16777216.0'],
    [55322688, '55322690.0'], // a bound of the rounding interval, read back by round-half-even
    [1048576.25, '1048576.2'], // exact tie between 1048576.2 and .3: the even digit
    [1048576.75, '1048576.8'],
    [-0.25, '-0.25'],
    [NaN, 'nan'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ])('%s → %s', (value, expected) => {
    expect(formatFloat32(value)).toBe(expected);
  });

  it('agrees with exact Dragon4 on 40 000 random float32 values, every power of two and their neighbours', () => {
    const random = prng(7);
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) values.push(Math.fround(random())); // probabilities
    for (let i = 0; i < 20_000; i++) values.push(float32FromBits(Math.floor(random() * 0x7f7fffff) + 1)); // any positive float32
    for (let biased = 1; biased < 255; biased++) {
      for (const delta of [-1, 0, 1]) values.push(float32FromBits(((biased << 23) >>> 0) + delta));
    }
    let mismatches = 0;
    let first = '';
    for (const x of values) {
      if (!(x > 0) || !Number.isFinite(x)) continue;
      const ours = shortestDigits(x);
      const exact = dragon4Digits(x);
      if (ours.digits !== exact.digits || ours.exponent !== exact.exponent) {
        mismatches += 1;
        first ||= `${x}: ${JSON.stringify(ours)} vs ${JSON.stringify(exact)}`;
      }
    }
    expect(first).toBe('');
    expect(mismatches).toBe(0);
  });

  it('reads back exactly, and no shorter decimal does (20 000 random probabilities and tiny values)', () => {
    const random = prng(11);
    for (let i = 0; i < 20_000; i++) {
      const x = Math.fround(i % 2 ? random() : random() * 1e-5);
      const text = formatFloat32(x);
      expect(Math.fround(Number(text))).toBe(x);
      const { digits } = shortestDigits(x);
      if (digits.length > 1) {
        // Both neighbours of x on the grid one digit coarser: neither reads back.
        const coarser = Number(x.toPrecision(digits.length - 1));
        const step = 10 ** (Math.floor(Math.log10(Math.abs(coarser))) - digits.length + 2);
        for (const candidate of [coarser - step, coarser, coarser + step]) {
          if (Math.abs(candidate - x) < step) expect(Math.fround(Number(candidate.toPrecision(digits.length - 1)))).not.toBe(x);
        }
      }
    }
  });

  it('reproduces every number numpy wrote in the pipeline fixture (features, logits, scores: 34 000+ values)', () => {
    let checked = 0;
    for (const chunk of ['chunk300', 'chunk500']) {
      const lines = readFileSync(path.join(REPO_ROOT, 'test/fixtures/pipeline', chunk, 'frames.jsonl'), 'utf8')
        .trim()
        .split('\n');
      for (const line of lines) {
        const frame = JSON.parse(line) as { features: string[]; logits: string[]; scores: string[] };
        for (const text of [...frame.features, ...frame.logits, ...frame.scores]) {
          expect(formatFloat32(Number(text))).toBe(text);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(34_000);
  });
});
