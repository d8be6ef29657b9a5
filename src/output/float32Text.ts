/**
 * Float32 values written the way the original VirNucPro writes its scores: Python's `str()` of a numpy
 * float32 scalar (numpy 1.x, the original's environment), i.e. Dragon4 "unique" digits (the fewest digits that
 * read back to the same float32, the nearest such when two qualify, ties to even), positional between 1e-4
 * and 1e16 (`0.72815406`, `1.0`, `0.0`), scientific outside (`1e-06`, `1.5e-05`, `1e+16`).
 *
 * numpy 2.x writes float32 values ≥ 1e8 in scientific form; probabilities never reach that range.
 */

/** Most significant digits a float32 needs to read back exactly. */
const FLOAT32_MAX_DIGITS = 9;
/** numpy's positional range for scalars: [1e-4, 1e16), and zero. */
const POSITIONAL_MIN = 1e-4;
const POSITIONAL_MAX = 1e16;

/** `str(np.float32(value))`; `value` is rounded to float32 first. */
export function formatFloat32(value: number): string {
  const x = Math.fround(value);
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const magnitude = Math.abs(x);
  const { digits, exponent } = shortestDigits(magnitude);
  const text = magnitude >= POSITIONAL_MIN && magnitude < POSITIONAL_MAX ? positional(digits, exponent) : scientific(digits, exponent);
  return sign + text;
}

/** Significant digits (no trailing zeros) and the decimal exponent of the first one: 0.0123 → ('123', -2). */
export interface DecimalDigits {
  readonly digits: string;
  readonly exponent: number;
}

/**
 * The fewest significant digits that read back to the float32 `x` (> 0, finite), as numpy's Dragon4 picks
 * them. At p digits counted from x's leading digit the only candidates are x rounded down and up on the
 * 10^(lead − p + 1) grid; one counts when it lies in x's rounding interval (what reads back to x under
 * round-half-even); with both, the nearer wins, ties to the even digit. Having a candidate is monotonic in p,
 * so p is found by bisection (3-4 probes).
 *
 * Probes run in double arithmetic where that is provably exact enough ({@link fastCandidate}); anything
 * else (tiny or huge values, x within 1e-6 of a grid point or a grid midpoint) takes the exact BigInt path.
 */
export function shortestDigits(x: number): DecimalDigits {
  const lead = decimalExponent(x);
  let low = 1;
  let high = FLOAT32_MAX_DIGITS;
  let found: DecimalDigits | undefined;
  while (low < high) {
    const p = (low + high) >> 1;
    const candidate = fastCandidate(x, lead, p);
    if (candidate === UNSURE) return exactShortestDigits(x, lead);
    if (candidate) {
      found = candidate;
      high = p;
    } else {
      low = p + 1;
    }
  }
  // `found` is the candidate at the last p that had one, which is where the search ended (low === high).
  if (found) return found;
  const last = fastCandidate(x, lead, FLOAT32_MAX_DIGITS);
  return last === UNSURE || last === undefined ? exactShortestDigits(x, lead) : last;
}

/** Decimal exponent of x's leading digit. The shortest double digits never round up to the next power of ten. */
function decimalExponent(x: number): number {
  const text = x.toExponential();
  return Number(text.slice(text.indexOf('e') + 1));
}

/** Powers of ten that are exact doubles. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** A probe in doubles is trusted only when x / 10^grid is this far from an integer and from a half-integer. */
const GUARD = 1e-6;
/**
 * Fast-path domain. Below 2^53 and with grid ≥ 10^-12, reading a candidate c × 10^grid back as
 * fround(c / 10^k) equals rounding the decimal straight to float32: the decimal cannot lie within half a
 * double ulp of a float32 rounding bound without being on it (c·10^grid − bound ≥ 2^(e−1)·5^grid).
 */
const FAST_MIN_GRID = -12;
const FAST_MAX = 2 ** 53;
const UNSURE = Symbol('unsure');

/** The Dragon4 choice at p digits, undefined when no p-digit value reads back, UNSURE when doubles cannot tell. */
function fastCandidate(x: number, lead: number, p: number): DecimalDigits | undefined | typeof UNSURE {
  const grid = lead - p + 1;
  if (grid < FAST_MIN_GRID || grid > 22 || x >= FAST_MAX) return UNSURE;
  const scaled = grid >= 0 ? x / POW10[grid]! : x * POW10[-grid]!; // one rounding: error ≤ 6e-8 below 10^9
  const down = Math.floor(scaled);
  const fraction = scaled - down;
  if (fraction < GUARD || fraction > 1 - GUARD || Math.abs(fraction - 0.5) < GUARD) return UNSURE;
  const readsBack = (n: number): boolean => Math.fround(grid >= 0 ? n * POW10[grid]! : n / POW10[-grid]!) === x;
  const [nearest, other] = fraction < 0.5 ? [down, down + 1] : [down + 1, down];
  if (readsBack(nearest)) return normalise(nearest, grid);
  return other > 0 && readsBack(other) ? normalise(other, grid) : undefined;
}

/**
 * Dragon4's choice computed exactly: x = m·2^e and its rounding interval as integers in units of 2^(e − 2),
 * compared with candidates × 10^grid by cross-multiplying BigInts.
 */
function exactShortestDigits(x: number, lead: number): DecimalDigits {
  const bits = new Uint32Array(Float32Array.of(x).buffer)[0]!;
  const biased = bits >>> 23;
  const fraction = bits & 0x7fffff;
  const mantissa = biased === 0 ? fraction : fraction | 0x800000;
  const unitExponent = (biased === 0 ? -149 : biased - 150) - 2;
  const value = 4n * BigInt(mantissa);
  // Half an ulp above; below a power of two the next float32 down is half as far. Bounds read back under
  // round-half-even when the mantissa is even.
  const lowBound = value - (fraction === 0 && biased > 1 ? 1n : 2n);
  const highBound = value + 2n;
  const inclusive = mantissa % 2 === 0;
  for (let p = 1; p <= FLOAT32_MAX_DIGITS; p++) {
    const grid = lead - p + 1;
    // v·2^unitExponent / 10^grid = v·num / den
    let num = 1n;
    let den = 1n;
    if (unitExponent >= 0) num <<= BigInt(unitExponent);
    else den <<= BigInt(-unitExponent);
    if (grid >= 0) den *= 10n ** BigInt(grid);
    else num *= 10n ** BigInt(-grid);
    const within = (n: bigint): boolean => {
      const scaledN = n * den;
      const lo = lowBound * num;
      const hi = highBound * num;
      return inclusive ? scaledN >= lo && scaledN <= hi : scaledN > lo && scaledN < hi;
    };
    const down = (value * num) / den;
    const downFits = within(down);
    const upFits = within(down + 1n);
    if (!downFits && !upFits) continue;
    let chosen = downFits ? down : down + 1n;
    if (downFits && upFits) {
      const twice = 2n * value * num - (2n * down + 1n) * den; // sign of x/10^grid − (down + ½)
      if (twice > 0n || (twice === 0n && down % 2n === 1n)) chosen = down + 1n;
    }
    return normalise(chosen, grid);
  }
  throw new Error(`float32 ${x} has no ${FLOAT32_MAX_DIGITS}-digit form`); // unreachable: 9 digits always suffice
}

/** n × 10^grid without trailing zeros. */
function normalise(n: number | bigint, grid: number): DecimalDigits {
  const text = String(n);
  const digits = text.replace(/0+$/, '') || '0';
  return { digits, exponent: grid + text.length - 1 };
}

/** numpy's positional form with at least one digit after the point: `12.0`, `0.00012`, `3.25`. */
function positional(digits: string, exponent: number): string {
  if (exponent < 0) return `0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.length > exponent + 1 ? digits.slice(0, exponent + 1) : digits.padEnd(exponent + 1, '0');
  const fraction = digits.length > exponent + 1 ? digits.slice(exponent + 1) : '0';
  return `${whole}.${fraction}`;
}

/** numpy's scientific form, trailing zeros and a bare point dropped, two-digit exponent at least: `1e-06`. */
function scientific(digits: string, exponent: number): string {
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const magnitude = String(Math.abs(exponent)).padStart(2, '0');
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${magnitude}`;
}
