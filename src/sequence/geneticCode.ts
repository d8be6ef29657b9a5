/**
 * Byte lookup tables for six-frame translation (spec section 3): the standard code (NCBI table 1) indexed by
 * a codon number built from three table lookups, with case folding and ambiguity handling folded into the
 * tables so the kernel never branches on the letter itself.
 *
 * Codon number = 16·b0 + 4·b1 + b2 with A=0 C=1 G=2 T=3 (either case). A byte that is not A/C/G/T maps to
 * {@link INVALID}, which sets bit 6: any codon containing one indexes 64..127, where the amino table holds
 * {@link DELETED}. That is the original's rule: such a codon is dropped from the protein, not turned into X.
 */

/** Bit set in a codon number when one of its three bytes is not A/C/G/T. */
const INVALID = 64;
/** Amino-table value of a codon that is left out of the protein. */
export const DELETED = 0;
/** The stop residue, `*`. */
export const STOP = 0x2a;

/** NCBI table 1 in the order it is usually printed (first base T, C, A, G; then second; then third). */
const TABLE_1_TCAG = 'FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG';
const TCAG = 'TCAG';
const ACGT = 'ACGT';

/** Residue byte for each codon number (0..127); {@link DELETED} for numbers with the {@link INVALID} bit. */
export const AMINO = new Uint8Array(128);
for (let i = 0; i < 64; i++) {
  const letters = [TCAG[i >> 4]!, TCAG[(i >> 2) & 3]!, TCAG[i & 3]!];
  const [b0, b1, b2] = letters.map((letter) => ACGT.indexOf(letter)) as [number, number, number];
  AMINO[16 * b0 + 4 * b1 + b2] = TABLE_1_TCAG.charCodeAt(i);
}

function baseTable(value: (base: number) => number): Uint8Array {
  const table = new Uint8Array(256).fill(INVALID);
  for (let base = 0; base < 4; base++) {
    table[ACGT.charCodeAt(base)] = value(base);
    table[ACGT.toLowerCase().charCodeAt(base)] = value(base);
  }
  return table;
}

/** Forward strand: a codon's number is `FIRST[b0] | SECOND[b1] | THIRD[b2]`. */
export const FIRST = baseTable((base) => base << 4);
export const SECOND = baseTable((base) => base << 2);
export const THIRD = baseTable((base) => base);
/**
 * Reverse complement read from the forward bytes: revcomp codon at forward bytes p, p−1, p−2 (walking down)
 * is complement(b[p]) complement(b[p−1]) complement(b[p−2]); complement(x) = 3 − x in A,C,G,T order.
 */
export const RC_FIRST = baseTable((base) => (3 - base) << 4);
export const RC_SECOND = baseTable((base) => (3 - base) << 2);
export const RC_THIRD = baseTable((base) => 3 - base);

/** ASCII upper-casing (the original upper-cases each chunk before translating). */
export const UPPER = new Uint8Array(256);
for (let byte = 0; byte < 256; byte++) UPPER[byte] = byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte;

/** Upper-case, then complement A↔T and C↔G only; every other letter is kept as it is (spec section 3). */
export const COMPLEMENT_UPPER = UPPER.slice();
for (const [from, to] of ['AT', 'TA', 'CG', 'GC']) {
  COMPLEMENT_UPPER[from!.charCodeAt(0)] = to!.charCodeAt(0);
  COMPLEMENT_UPPER[from!.toLowerCase().charCodeAt(0)] = to!.charCodeAt(0);
}

/**
 * Low 3 bits: 0..3 for A/C/G/T (either case), 4 for any other byte; three of them make a 9-bit window into
 * {@link STOP_CLASS}. Bit 3 ({@link LOWER_CASE}) marks a lower-case letter, so a scan can tell for free
 * whether a chunk needs upper-casing.
 */
export const BASE_CODE = new Uint8Array(256).fill(4);
export const LOWER_CASE = 8;
for (let byte = 0x61; byte <= 0x7a; byte++) BASE_CODE[byte] = 4 | LOWER_CASE;
for (let base = 0; base < 4; base++) {
  BASE_CODE[ACGT.charCodeAt(base)] = base;
  BASE_CODE[ACGT.toLowerCase().charCodeAt(base)] = base | LOWER_CASE;
}

/**
 * Indexed by the 9-bit window `c0 << 6 | c1 << 3 | c2` of three {@link BASE_CODE}s (low 3 bits): bit 0 is set when the
 * codon is a stop, bit 1 when its reverse complement is one. A window containing code 4 (not A/C/G/T) is
 * never a stop: such a codon is deleted, not translated.
 */
export const STOP_CLASS = new Uint8Array(512);
for (let i = 0; i < 64; i++) {
  const [b0, b1, b2] = [i >> 4, (i >> 2) & 3, i & 3];
  const window = (b0 << 6) | (b1 << 3) | b2;
  if (AMINO[i] === STOP) STOP_CLASS[window]! |= 1;
  if (AMINO[((3 - b2) << 4) | ((3 - b1) << 2) | (3 - b0)] === STOP) STOP_CLASS[window]! |= 2;
}
