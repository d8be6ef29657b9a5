/**
 * What a byte of a FASTA sequence line may be. One table lookup per byte classifies it; the reader ORs the
 * classes of a whole batch in one pass and looks closer only when the result is not 0 (docs/adr/0001).
 *
 * Accepted without a warning: the IUPAC nucleotide codes A C G T U R Y S W K M B D H V N in either case, and
 * the gap symbols '-' and '.' (alignment exports; the original translates a codon holding one as nothing, like
 * N). Everything else printable ('*', digits, protein-only letters such as E F I L P Q) is counted and reported
 * once as a warning: the original keeps such letters and treats them like N.
 */

/** Space, tab and '\r': removed from sequences (Biopython drops spaces and '\r'; we drop tabs too). */
export const BYTE_SPACE = 1;
/** Printable, but not an IUPAC nucleotide code or a gap: kept, counted, warned about. */
export const BYTE_NON_IUPAC = 2;
/** Control bytes other than tab, '\n', '\r', and bytes >= 0x80: the input is not a text FASTA file. */
export const BYTE_BINARY = 4;

const IUPAC_AND_GAPS = 'ACGTURYSWKMBDHVNacgturyswkmbdhvn-.';

/** Class bits of each byte value (see BYTE_*). 0 means an accepted nucleotide letter or gap. */
export const SEQUENCE_BYTE_CLASS: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    if (b === 0x20 || b === 0x09 || b === 0x0d) table[b] = BYTE_SPACE;
    else if (b < 0x20 || b >= 0x7f) table[b] = BYTE_BINARY;
    else table[b] = BYTE_NON_IUPAC;
  }
  for (const letter of IUPAC_AND_GAPS) table[letter.charCodeAt(0)] = 0;
  return table;
})();

/** Classes of two bytes at once (index = one byte | other << 8): halves the loop trips of the batch check. */
const PAIR_CLASS: Uint8Array = (() => {
  const table = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) table[i] = SEQUENCE_BYTE_CLASS[i & 0xff]! | SEQUENCE_BYTE_CLASS[i >>> 8]!;
  return table;
})();

/**
 * OR of the classes of all of `bytes`: 0 when every byte is an accepted nucleotide letter or gap. Reads two
 * Uint32 words per trip into two accumulators (independent dependency chains) and classifies each with two
 * pair lookups: about 4x a byte-per-trip loop under V8 (docs/adr/0001-fasta-parser.md).
 */
export function sequenceClasses(bytes: Uint8Array): number {
  let even = 0;
  let odd = 0;
  let i = 0;
  if (bytes.byteOffset % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
    const paired = words.length & ~1;
    for (let w = 0; w < paired; w += 2) {
      const first = words[w]!;
      const second = words[w + 1]!;
      even |= PAIR_CLASS[first & 0xffff]! | PAIR_CLASS[first >>> 16]!;
      odd |= PAIR_CLASS[second & 0xffff]! | PAIR_CLASS[second >>> 16]!;
    }
    i = paired * 4;
  }
  for (; i < bytes.length; i++) even |= SEQUENCE_BYTE_CLASS[bytes[i]!]!;
  return even | odd;
}

/**
 * Offset of the first byte that cannot occur in a text FASTA file (a control byte other than tab, '\n',
 * '\r', or a byte >= 0x80), or -1. Two native scans (simdutf's ASCII check, memchr for NUL) clear a clean
 * chunk at several GB/s; the byte loop runs only when one of them fails. A control byte other than NUL in an
 * otherwise ASCII chunk passes here and is caught later by the batch check (with a less precise position).
 */
export function firstBinaryByte(bytes: Uint8Array, isAsciiChunk: boolean): number {
  if (isAsciiChunk && bytes.indexOf(0) < 0) return -1;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x0a && SEQUENCE_BYTE_CLASS[b] === BYTE_BINARY) return i;
  }
  return -1;
}

/** Offset of the first control byte (other than tab and '\r') in `bytes[from, to)`, or -1: what makes a header binary. */
export function firstControlByte(bytes: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    if ((b < 0x20 && b !== 0x09 && b !== 0x0d) || b === 0x7f) return i;
  }
  return -1;
}

/**
 * Letters sampled before deciding whether the input is protein. 10 000 letters is a few dozen proteins or
 * short reads: enough for a stable fraction, and the batches held back until the decision are that small.
 */
export const PROTEIN_SAMPLE_LETTERS = 10_000;
/** Below this fraction of A/C/G/T/U/N among the sampled letters (and with protein-only letters present) the input is protein. */
export const MIN_NUCLEOTIDE_FRACTION = 0.5;
/** Amino-acid letters that are not nucleotide codes: evidence of protein, never of ambiguous DNA. */
const PROTEIN_ONLY_LETTERS = 'EFILPQ';

const LETTER_NUCLEOTIDE = 1;
const LETTER_OTHER = 2;
const LETTER_PROTEIN_ONLY = 4;
const LETTER_CLASS: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z]/.test(c)) table[b] = LETTER_OTHER;
  }
  for (const letter of 'ACGTUN') {
    table[letter.charCodeAt(0)] = LETTER_NUCLEOTIDE;
    table[letter.toLowerCase().charCodeAt(0)] = LETTER_NUCLEOTIDE;
  }
  for (const letter of PROTEIN_ONLY_LETTERS) {
    table[letter.charCodeAt(0)] = LETTER_OTHER | LETTER_PROTEIN_ONLY;
    table[letter.toLowerCase().charCodeAt(0)] = LETTER_OTHER | LETTER_PROTEIN_ONLY;
  }
  return table;
})();

/**
 * The protein rule: over the first {@link PROTEIN_SAMPLE_LETTERS} sequence letters (A-Z, a-z; fewer at the
 * end of a short input), the input is protein when fewer than {@link MIN_NUCLEOTIDE_FRACTION} of them are
 * A/C/G/T/U/N (either case) AND at least one protein-only letter (E F I L P Q) occurs. Ambiguity codes count as
 * neither, so heavily ambiguous DNA (many R/Y/K/M…) never trips the rule without protein-only letters.
 */
export class NucleotideSample {
  letters = 0;
  nucleotides = 0;
  /** Protein-only letters seen, upper-cased, in order of first appearance. */
  readonly proteinOnly: string[] = [];
  #proteinOnlySeen = 0;

  /** True once enough letters have been seen to decide. */
  get full(): boolean {
    return this.letters >= PROTEIN_SAMPLE_LETTERS;
  }

  /** Counts the letters of `bytes` until the sample is full. */
  add(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length && this.letters < PROTEIN_SAMPLE_LETTERS; i++) {
      const cls = LETTER_CLASS[bytes[i]!]!;
      if (cls === 0) continue;
      this.letters += 1;
      if (cls === LETTER_NUCLEOTIDE) this.nucleotides += 1;
      else if (cls & LETTER_PROTEIN_ONLY) {
        const bit = 1 << PROTEIN_ONLY_LETTERS.indexOf(String.fromCharCode(bytes[i]! & 0xdf));
        if ((this.#proteinOnlySeen & bit) === 0) {
          this.#proteinOnlySeen |= bit;
          this.proteinOnly.push(String.fromCharCode(bytes[i]! & 0xdf));
        }
      }
    }
  }

  /** Fraction of sampled letters that are A/C/G/T/U/N (1 for an empty sample). */
  get nucleotideFraction(): number {
    return this.letters === 0 ? 1 : this.nucleotides / this.letters;
  }

  looksLikeProtein(): boolean {
    return this.nucleotideFraction < MIN_NUCLEOTIDE_FRACTION && this.proteinOnly.length > 0;
  }
}
