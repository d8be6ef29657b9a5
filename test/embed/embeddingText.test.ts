import { describe, expect, it } from 'vitest';
import { formatEmbeddingLines, formatShortestFloat32 } from '../../src/embed/embeddingText.js';
import { prng } from '../../bench/support/syntheticFasta.js';

/** The definition, slowly: the fewest significant digits whose correctly rounded decimal reads back. */
function shortestByDefinition(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  if (!Number.isFinite(value)) return String(value);
  for (let p = 1; p <= 9; p++) {
    const text = value.toPrecision(p);
    if (Math.fround(Number(text)) === value) return String(Number(text));
  }
  throw new Error(`no 9-digit decimal reads back to ${value}`);
}

const bits = new Uint32Array(1);
const asFloat = new Float32Array(bits.buffer);

describe('formatShortestFloat32', () => {
  it('equals the shortest-decimal definition on 200 000 random float32 bit patterns (every exponent, subnormals)', () => {
    const random = prng(2026);
    let checked = 0;
    for (let i = 0; i < 200_000; i++) {
      bits[0] = Math.floor(random() * 2 ** 32);
      const value = asFloat[0]!;
      if (Number.isNaN(value)) continue;
      const text = formatShortestFloat32(value);
      if (text !== shortestByDefinition(value)) expect(text, `bits 0x${bits[0]!.toString(16)}`).toBe(shortestByDefinition(value));
      checked += 1;
    }
    expect(checked).toBeGreaterThan(199_000);
  });

  it('equals it on embedding-like values, and every text reads back to the same float32', () => {
    const random = prng(7);
    for (let i = 0; i < 100_000; i++) {
      const value = Math.fround((random() - 0.5) * Math.exp((random() - 0.5) * 12));
      const text = formatShortestFloat32(value);
      expect(Math.fround(Number(text))).toBe(value);
      if (text !== shortestByDefinition(value)) expect(text).toBe(shortestByDefinition(value));
    }
  });

  it.each([
    [0, '0'],
    [-0, '-0'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    [Math.fround(0.1), '0.1'],
    [Math.fround(-2.5), '-2.5'],
    [1, '1'],
    [Math.fround(123456789), '123456790'],
    [Math.fround(1e-6), '0.000001'],
    [Math.fround(1.5e-7), '1.5e-7'],
    [Math.fround(1e21), '1e+21'],
    [Math.fround(9.999999e20), '999999900000000000000'],
    [2 ** -149, '1e-45'],
    [Math.fround(3.4028234663852886e38), '3.4028235e+38'],
    [Math.fround(0.99999997), '0.99999994'],
  ])('%s → %s', (value, text) => {
    expect(formatShortestFloat32(value)).toBe(text);
  });
});

describe('formatEmbeddingLines', () => {
  it('writes id, a tab, then the row space-separated, one line per row', () => {
    const matrix = Float32Array.of(0.5, -1, 0.1, 3, 0, 1e-7);
    expect(formatEmbeddingLines(['a', 'b c'], matrix, 3)).toBe('a\t0.5 -1 0.1\nb c\t3 0 1e-7\n');
    expect(formatEmbeddingLines([], new Float32Array(0), 3)).toBe('');
  });
});
