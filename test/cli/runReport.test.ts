import { describe, expect, it } from 'vitest';
import { n } from '../../src/cli/runReport.js';

describe('RunReport number formatting', () => {
  it("writes counts exactly as toLocaleString('en-US') does, without loading ICU", () => {
    const values = [0, 7, 999, 1000, 1234.4, 1234.5, 999_999.6, 1_000_000, 16_777_216, 2 ** 53 - 1, -1234, -999, 0.4];
    for (let k = 0; k < 200; k++) values.push(Math.floor(Math.random() * 10 ** (k % 16)));
    for (const value of values) expect(n(value), String(value)).toBe(Math.round(value).toLocaleString('en-US'));
  });
});
