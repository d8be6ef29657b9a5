import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BYTE_NON_IUPAC, SEQUENCE_BYTE_CLASS } from '../../src/fasta/alphabet.js';
import { PROTEIN_BYTE_CLASS } from '../../src/fasta/sequenceAlphabet.js';
import { resolveFastaParseOptions } from '../../src/fasta/fastaParser.js';
import { FastaStats } from '../../src/fasta/fastaStats.js';
import { fixture, parseAll, plainRecords, referenceParse } from './fastaTestKit.js';

/** The reader's 'protein' alphabet, for `virnucpro embed --kind protein`. */
describe("alphabet: 'protein'", () => {
  it('reads protein.fa, which the default alphabet refuses', async () => {
    const text = readFileSync(fixture('protein.fa'), 'latin1');
    await expect(parseAll(text)).rejects.toMatchObject({ code: 'FASTA_PROTEIN' });
    const stats = new FastaStats();
    const warnings: string[] = [];
    const records = plainRecords(await parseAll(text, { alphabet: 'protein', stats, onWarning: (w) => warnings.push(w.message) }, [7, 64]));
    expect(records).toEqual(referenceParse(text));
    expect(records.length).toBeGreaterThan(1);
    expect([stats.nonIupacLetters, warnings]).toEqual([0, []]);
  });

  it('keeps every printable character without a warning, but still drops spaces and refuses binary bytes', async () => {
    const records = plainRecords(await parseAll('>p1\nMK*X B\tZ.-\r\n>p2\nQ2#\n', { alphabet: 'protein' }));
    expect(records.map((r) => r.seq)).toEqual(['MK*XBZ.-', 'Q2#']);
    await expect(parseAll('>p\nMK\x01V\n', { alphabet: 'protein' })).rejects.toMatchObject({
      code: 'FASTA_BINARY',
      position: { recordId: 'p' },
    });
    for (let b = 0; b < 256; b++) {
      const expected = SEQUENCE_BYTE_CLASS[b] === BYTE_NON_IUPAC ? 0 : SEQUENCE_BYTE_CLASS[b];
      expect(PROTEIN_BYTE_CLASS[b], `byte ${b}`).toBe(expected);
    }
  });

  it('is validated by name', () => {
    expect(() => resolveFastaParseOptions({ alphabet: 'rna' as never })).toThrow(/options\.alphabet must be one of nucleotide, protein/);
  });
});
