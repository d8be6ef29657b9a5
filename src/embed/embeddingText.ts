/**
 * Text for float32 values that reads back exactly: the shortest decimal that `Math.fround(Number(text))`
 * (or numpy's float32 parse) turns into the same float32, in JavaScript's number syntax.
 *
 * Not src/output/float32Text.ts: that one reproduces numpy's `str()` byte for byte (Dragon4's tie rules,
 * `1e-06` exponents) for the original's files, and costs about twice as much per value; embedding lines only
 * need text that reads back exactly, millions of values at a time.
 */

/** Significant digits tried first: about 65 % of embedding values need 8, 30 % fewer, 1 % nine. */
const FIRST_DIGITS = 8;
/** Nine significant digits always identify a float32 (IEEE 754: ⌈24·log10 2⌉ + 1). */
const MAX_DIGITS = 9;
/** 10^0 .. 10^22 are exact doubles: scaling by them rounds once. */
const EXACT_POWERS = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** `a × 10^q` (a / 10^−q for negative q), with a single rounding while |q| ≤ 22. */
function scale(a: number, q: number): number {
  if (q >= 0) return q < EXACT_POWERS.length ? a * EXACT_POWERS[q]! : a * 10 ** q;
  return -q < EXACT_POWERS.length ? a / EXACT_POWERS[-q]! : a / 10 ** -q;
}

/**
 * The shortest round-trip text of a float32 value (`value` must already be one, e.g. read from a
 * Float32Array). Same syntax as String(number): `0.12345678`, `-3.5`, `1.25e-7`, `-0`, `NaN`.
 *
 * How: the decimal with p significant digits nearest to the value is found with integer arithmetic in
 * float64 (p = 8 first, then fewer while they still read back, or 9), and the result is checked by parsing
 * it (a third of the cost: insurance against float64 rounding misleading the search, never seen in 3 × 10^7
 * random float32s), falling back to toPrecision. Several times faster than trying toPrecision(p) for
 * p = 1..9, and within ~1.5× of String() on a double (docs/adr/0004-embedding-stage.md).
 */
export function formatShortestFloat32(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  if (!Number.isFinite(value)) return String(value);
  const a = Math.abs(value);
  const target = Math.fround(a);
  let k = Math.floor(Math.log10(a)); // decimal exponent of the leading digit, possibly off by one
  let n = Math.round(scale(a, FIRST_DIGITS - 1 - k));
  if (n >= 10 ** FIRST_DIGITS) {
    k += 1;
    n = Math.round(scale(a, FIRST_DIGITS - 1 - k));
  } else if (n < 10 ** (FIRST_DIGITS - 1)) {
    k -= 1;
    n = Math.round(scale(a, FIRST_DIGITS - 1 - k));
  }
  let digits = FIRST_DIGITS;
  if (Math.fround(scale(n, k + 1 - digits)) === target) {
    // Fewer digits while they still read back.
    while (digits > 1) {
      const shorter = Math.round(scale(a, digits - 2 - k));
      if (Math.fround(scale(shorter, k + 2 - digits)) !== target) break;
      n = shorter;
      digits -= 1;
    }
  } else {
    digits = MAX_DIGITS;
    n = Math.round(scale(a, MAX_DIGITS - 1 - k));
  }
  // Rounding a shorter candidate up can carry into a new leading digit (9.9 → 10): renormalise.
  if (n >= 10 ** digits) {
    n /= 10;
    k += 1;
  }
  const text = (value < 0 ? '-' : '') + decimalText(String(n), k);
  return Math.fround(Number(text)) === value ? text : String(Number(value.toPrecision(MAX_DIGITS)));
}

/** `0.d × 10^(k+1)` written as String(number) would: plain for 1e-6 ≤ |x| < 1e21, else with an exponent. */
function decimalText(integer: string, k: number): string {
  let end = integer.length;
  while (end > 1 && integer.charCodeAt(end - 1) === 48) end -= 1; // '0'
  const d = end === integer.length ? integer : integer.slice(0, end);
  if (k >= 0 && k < 21) return d.length <= k + 1 ? d + '0'.repeat(k + 1 - d.length) : `${d.slice(0, k + 1)}.${d.slice(k + 1)}`;
  if (k < 0 && k >= -6) return `0.${'0'.repeat(-k - 1)}${d}`;
  return `${d[0]}${d.length > 1 ? `.${d.slice(1)}` : ''}e${k < 0 ? '-' : '+'}${Math.abs(k)}`;
}

/**
 * One line per row: `id<TAB>v1 v2 … vH\n`, values by {@link formatShortestFloat32}. `matrix` is float32 [ids.length, hidden].
 */
export function formatEmbeddingLines(ids: readonly string[], matrix: Float32Array, hidden: number): string {
  const lines: string[] = new Array<string>(ids.length);
  const values: string[] = new Array<string>(hidden);
  for (let r = 0; r < ids.length; r++) {
    const base = r * hidden;
    for (let j = 0; j < hidden; j++) values[j] = formatShortestFloat32(matrix[base + j]!);
    lines[r] = `${ids[r]}\t${values.join(' ')}\n`;
  }
  return lines.join('');
}
