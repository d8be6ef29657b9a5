import { describe, expect, it } from 'vitest';
import {
  BYTE_BINARY,
  BYTE_NON_IUPAC,
  BYTE_SPACE,
  MIN_NUCLEOTIDE_FRACTION,
  NucleotideSample,
  PROTEIN_SAMPLE_LETTERS,
  firstBinaryByte,
  sequenceClasses,
} from '../../src/fasta/alphabet.js';
import { prng } from '../../bench/support/syntheticFasta.js';
import { parseAll, plainRecords } from './fastaTestKit.js';

/** The classes spelled out per byte, independently of the tables. */
function naiveClass(byte: number): number {
  const c = String.fromCharCode(byte);
  if (c === ' ' || c === '\t' || c === '\r') return BYTE_SPACE;
  if (byte < 0x20 || byte >= 0x7f) return BYTE_BINARY;
  return 'ACGTURYSWKMBDHVN-.'.includes(c.toUpperCase()) ? 0 : BYTE_NON_IUPAC;
}

const sample = (text: string): NucleotideSample => {
  const s = new NucleotideSample();
  s.add(Buffer.from(text, 'latin1'));
  return s;
};

describe('sequence byte classes', () => {
  it('match a per-byte spelling of the rules for every byte value', () => {
    for (let b = 0; b < 256; b++) expect(sequenceClasses(Uint8Array.of(b)), `byte ${b}`).toBe(naiveClass(b));
  });

  it('OR the classes of any slice, aligned or not, with the odd byte anywhere', () => {
    const random = prng(7);
    const bytes = new Uint8Array(4099);
    for (let round = 0; round < 300; round++) {
      for (let i = 0; i < bytes.length; i++) bytes[i] = 'ACGTacgtN'.charCodeAt(Math.floor(random() * 9));
      const odd = Math.floor(random() * 256);
      bytes[Math.floor(random() * bytes.length)] = odd;
      const start = Math.floor(random() * 8);
      const end = bytes.length - Math.floor(random() * 8);
      const slice = bytes.subarray(start, end);
      let expected = 0;
      for (const b of slice) expected |= naiveClass(b);
      expect(sequenceClasses(slice)).toBe(expected);
    }
  });

  it('finds the first binary byte of a chunk (never \\n, \\r or \\t)', () => {
    const text = Buffer.from('>a b\tc\r\nACGT\n', 'latin1');
    expect(firstBinaryByte(text, true)).toBe(-1);
    for (const bad of [0x00, 0x07, 0x1b, 0x7f, 0x80, 0xff]) {
      const bytes = Buffer.concat([text, Uint8Array.of(0x41, bad, 0x00)]);
      expect(firstBinaryByte(bytes, bad < 0x80)).toBe(text.length + 1);
    }
  });
});

describe(`protein rule (first ${PROTEIN_SAMPLE_LETTERS} letters, < ${MIN_NUCLEOTIDE_FRACTION * 100}% A/C/G/T/U/N and protein-only letters)`, () => {
  it('calls 49% nucleotides with protein-only letters protein, and 50% not', () => {
    expect(sample('ACGT'.repeat(1225) + 'E'.repeat(5100)).looksLikeProtein()).toBe(true); // 4 900 / 10 000
    expect(sample('ACGT'.repeat(1250) + 'E'.repeat(5000)).looksLikeProtein()).toBe(false); // 5 000 / 10 000
  });

  it('never calls heavily ambiguous DNA protein: ambiguity codes are not protein evidence', () => {
    const ambiguous = sample('ACGTN'.repeat(200) + 'RYSWKMBDHVryswkmbdhv'.repeat(450));
    expect(ambiguous.nucleotideFraction).toBeLessThan(0.2);
    expect(ambiguous.looksLikeProtein()).toBe(false);
    expect(sample('N'.repeat(9_000) + 'ACGT'.repeat(250)).looksLikeProtein()).toBe(false);
  });

  it('counts letters only, either case, and stops at the sample size', () => {
    const s = sample('acgu-.*12 E' + 'A'.repeat(20_000) + 'L'.repeat(20_000));
    expect(s.letters).toBe(PROTEIN_SAMPLE_LETTERS);
    expect(s.nucleotides).toBe(PROTEIN_SAMPLE_LETTERS - 1);
    expect(s.proteinOnly).toEqual(['E']);
  });

  it('decides on the first letters only: DNA first, protein later is read', async () => {
    const dna = `>dna\n${'ACGT'.repeat(2_500)}\n`;
    const protein = `>prot\n${'MEFILPQ'.repeat(3000)}\n`;
    const records = plainRecords(await parseAll(dna + protein, { batchRecords: 1 }));
    expect(records.map((r) => r.id)).toEqual(['dna', 'prot']);
    await expect(parseAll(protein + dna)).rejects.toMatchObject({ code: 'FASTA_PROTEIN' });
  });

  it('decides at the end of a short input', async () => {
    await expect(parseAll('>p\nMKVLAAGIVGLLLAPQEF\n')).rejects.toMatchObject({ code: 'FASTA_PROTEIN' });
    expect(plainRecords(await parseAll('>d\nACGTNACGTRYKM\n')).map((r) => r.seq)).toEqual(['ACGTNACGTRYKM']);
  });
});
