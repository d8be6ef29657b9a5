/**
 * Byte lookup tables for six-frame translation (spec section 3): the standard code (NCBI table 1), with case
 * folding and ambiguity handling folded into the tables so the kernel never branches on a letter.
 *
 * Every table is keyed by 3-bit base codes ({@link BASE_CODE}: A C G T = 0 1 2 3 in either case, 4 for any
 * other byte) or by raw bytes, so that the kernel (sixFrames.ts) can classify two bases with one lookup of a
 * 16-bit read ({@link PAIR_CODE}) and three codons with one lookup ({@link STOP_CLASS_5}). A codon holding a
 * code-4 byte is never a stop and translates to {@link DELETED}: the original drops such a codon from the
 * protein instead of writing X.
 */

/** Value of a codon that is left out of the protein. */
export const DELETED = 0;
/** The stop residue, `*`. */
export const STOP = 0x2a;
/** Code of a byte that is not A/C/G/T (either case). */
const OTHER = 4;

/** NCBI table 1 in the order it is usually printed (first base T, C, A, G; then second; then third). */
const TABLE_1_TCAG = 'FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG';
const TCAG = 'TCAG';
const ACGT = 'ACGT';

/** Residue byte of codon number 16·b0 + 4·b1 + b2 (A=0 C=1 G=2 T=3). */
export const AMINO = new Uint8Array(64);
for (let i = 0; i < 64; i++) {
  const [b0, b1, b2] = [i >> 4, (i >> 2) & 3, i & 3].map((t) => ACGT.indexOf(TCAG[t]!)) as [number, number, number];
  AMINO[16 * b0 + 4 * b1 + b2] = TABLE_1_TCAG.charCodeAt(i);
}

/**
 * The byte tables of the kernel's hot loops, all in one Uint8Array at the offsets below (each table is also
 * exported as a view of its own). In the optimised code of a loop, V8 checks the map of every typed array
 * it reads and loads its data pointer, once per iteration: reading every table through one array pays that
 * once instead of once per table (docs/adr/0006-translate-throughput.md). 113 KiB.
 */
export const TABLE_BYTES_AT = {
  pairCode: 0,
  stopClass5: 1 << 16,
  baseCode: (1 << 16) + (1 << 15),
  stopClass: (1 << 16) + (1 << 15) + 256,
  codonAmino: (1 << 16) + (1 << 15) + 256 + 512,
  reverseCodonAmino: (1 << 16) + (1 << 15) + 256 + 512 + (64 << 8),
} as const;
export const TABLES = new Uint8Array(TABLE_BYTES_AT.reverseCodonAmino + (64 << 8));

function table(at: number, length: number): Uint8Array {
  return TABLES.subarray(at, at + length);
}

/**
 * Low 3 bits: 0..3 for A/C/G/T (either case), 4 for any other byte. Bit 3 ({@link LOWER_CASE}) marks a
 * lower-case letter, so a scan can tell for free whether a chunk needs upper-casing.
 */
export const BASE_CODE = table(TABLE_BYTES_AT.baseCode, 256).fill(OTHER);
export const LOWER_CASE = 8;
for (let byte = 0x61; byte <= 0x7a; byte++) BASE_CODE[byte] = OTHER | LOWER_CASE;
for (let base = 0; base < 4; base++) {
  BASE_CODE[ACGT.charCodeAt(base)] = base;
  BASE_CODE[ACGT.toLowerCase().charCodeAt(base)] = base | LOWER_CASE;
}

/**
 * Two bases at once, indexed by a little-endian 16-bit read `b0 | b1 << 8`: `code(b0) << 3 | code(b1)` in
 * the low 6 bits, and {@link PAIR_LOWER_CASE} when either byte is a lower-case letter.
 */
export const PAIR_CODE = table(TABLE_BYTES_AT.pairCode, 1 << 16);
export const PAIR_LOWER_CASE = 64;
// Every thread builds these tables at start-up: rows that repeat are built once (a few distinct base codes)
// and copied, and only windows of real codes (0..4) are filled, so that it takes ~1 ms, not ~20.
const pairRows = new Map<number, Uint8Array>();
for (let second = 0; second < 256; second++) {
  const code = BASE_CODE[second]!;
  let row = pairRows.get(code);
  if (row === undefined) {
    row = new Uint8Array(256);
    for (let first = 0; first < 256; first++) {
      const firstCode = BASE_CODE[first]!;
      row[first] = ((firstCode & 7) << 3) | (code & 7) | ((firstCode | code) & LOWER_CASE ? PAIR_LOWER_CASE : 0);
    }
    pairRows.set(code, row);
  }
  PAIR_CODE.set(row, second << 8);
}

/** The windows of `length` base codes (3 bits each) that hold only real codes, 0..4. */
function codeWindows(length: number): number[] {
  let windows = [0];
  for (let k = 0; k < length; k++) windows = windows.flatMap((window) => [0, 1, 2, 3, 4].map((code) => (window << 3) | code));
  return windows;
}

function complementCode(code: number): number {
  return code >= OTHER ? OTHER : 3 - code;
}

/** Residue (or DELETED) of the codon of three 3-bit codes. */
function codonResidue(c0: number, c1: number, c2: number): number {
  return c0 >= OTHER || c1 >= OTHER || c2 >= OTHER ? DELETED : AMINO[16 * c0 + 4 * c1 + c2]!;
}

/**
 * Indexed by the 9-bit window `c0 << 6 | c1 << 3 | c2` of three 3-bit codes: bit 0 is set when the codon is
 * a stop, bit 1 when its reverse complement is one.
 */
export const STOP_CLASS = table(TABLE_BYTES_AT.stopClass, 512);
for (const window of codeWindows(3)) {
  const c0 = window >> 6,
    c1 = (window >> 3) & 7,
    c2 = window & 7;
  const reverse = codonResidue(complementCode(c2), complementCode(c1), complementCode(c0));
  STOP_CLASS[window] = (codonResidue(c0, c1, c2) === STOP ? 1 : 0) | (reverse === STOP ? 2 : 0);
}

/**
 * Indexed by the 15-bit window of five 3-bit codes `c0 … c4` (c4 in the low bits): the {@link STOP_CLASS} of
 * the three codons it holds, c0c1c2 in bits 0-1, c1c2c3 in bits 2-3, c2c3c4 in bits 4-5. One lookup per
 * three bases for the stop scan.
 */
export const STOP_CLASS_5 = table(TABLE_BYTES_AT.stopClass5, 1 << 15);
for (const window of codeWindows(5)) {
  STOP_CLASS_5[window] = STOP_CLASS[window >> 6]! | (STOP_CLASS[(window >> 3) & 511]! << 2) | (STOP_CLASS[window & 511]! << 4);
}

/**
 * Residue of the forward codon b0 b1 b2, indexed by `(PAIR_CODE[b0 | b1 << 8] & 63) << 8 | b2`: one 16-bit
 * read, one 8-bit read and two lookups per codon.
 */
export const CODON_AMINO = table(TABLE_BYTES_AT.codonAmino, 64 << 8);
/**
 * Residue of the reverse-complement codon read down the forward bytes b[p], b[p − 1], b[p − 2] (that is
 * complement(b[p]) complement(b[p − 1]) complement(b[p − 2])), indexed by
 * `(PAIR_CODE[b[p − 1] | b[p] << 8] & 63) << 8 | b[p − 2]`.
 */
export const REVERSE_CODON_AMINO = table(TABLE_BYTES_AT.reverseCodonAmino, 64 << 8);
for (const pair of codeWindows(2)) {
  const a = pair >> 3,
    b = pair & 7;
  for (let byte = 0; byte < 256; byte++) {
    const c = BASE_CODE[byte]! & 7;
    CODON_AMINO[(pair << 8) | byte] = codonResidue(a, b, c);
    // Here a = code(b[p − 1]), b = code(b[p]), c = code(b[p − 2]).
    REVERSE_CODON_AMINO[(pair << 8) | byte] = codonResidue(complementCode(b), complementCode(a), complementCode(c));
  }
}

/** ASCII upper-casing (the original upper-cases each chunk before translating). */
export const UPPER = new Uint8Array(256);
for (let byte = 0; byte < 256; byte++) UPPER[byte] = byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte;

/** Upper-case, then complement A↔T and C↔G only; every other letter is kept as it is (spec section 3). */
export const COMPLEMENT_UPPER = UPPER.slice();
for (const [from, to] of ['AT', 'TA', 'CG', 'GC']) {
  COMPLEMENT_UPPER[from!.charCodeAt(0)] = to!.charCodeAt(0);
  COMPLEMENT_UPPER[from!.toLowerCase().charCodeAt(0)] = to!.charCodeAt(0);
}
