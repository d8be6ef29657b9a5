import { describe, expect, it } from 'vitest';
import { prng } from '../../bench/support/syntheticFasta.js';
import { VirnucproError } from '../../src/errors.js';
import { Esm2Tokenizer, ESM2_ALPHABET, ESM2_PAD_ID } from '../../src/tokenize/index.js';

const esm = new Esm2Tokenizer();
const ids = (protein: string): number[] => Array.from(esm.encode(new TextEncoder().encode(protein)));

// fair-esm's Alphabet for ESM-2, as semantics §6 lists it: 4..30 are these residues in this order.
const RESIDUES = 'LAGVSERTIDPKQNFYMHWCXBUZO.-';

describe('Esm2Tokenizer', () => {
  it('has the 33-token alphabet with specials at 0..3 and 31..32', () => {
    expect(ESM2_ALPHABET.length).toBe(33);
    expect(esm.vocabSize).toBe(33);
    expect(ESM2_ALPHABET.slice(0, 4)).toEqual(['<cls>', '<pad>', '<eos>', '<unk>']);
    expect(ESM2_ALPHABET.slice(31)).toEqual(['<null_1>', '<mask>']);
    expect(ESM2_PAD_ID).toBe(1);
  });

  it('encodes a row as <cls>, one id per residue, <eos>', () => {
    expect(ids('MKV')).toEqual([0, 20, 15, 7, 2]);
    expect(ids('LC-')).toEqual([0, 4, 23, 30, 2]);
    expect(ids('')).toEqual([0, 2]);
    expect(ids(RESIDUES)).toEqual([0, ...Array.from(RESIDUES, (_, i) => 4 + i), 2]);
  });

  it('maps letters outside the alphabet to <unk> one for one, lower case included', () => {
    expect(ids('MJa*K')).toEqual([0, 20, 3, 3, 3, 15, 2]);
    const random = prng(3);
    for (let n = 0; n < 100; n++) {
      const length = Math.floor(random() * 300);
      const protein = Array.from({ length }, () => String.fromCharCode(32 + Math.floor(random() * 95))).join('');
      const residues = Array.from(protein, (letter) => (RESIDUES.includes(letter) ? 4 + RESIDUES.indexOf(letter) : 3));
      expect(ids(protein)).toEqual([0, ...residues, 2]);
    }
  });

  it('writes at an offset and refuses a row that does not fit, writing nothing', () => {
    const out = new Int32Array(6).fill(-1);
    expect(esm.encodeInto(new TextEncoder().encode('MK'), out, 2)).toBe(4);
    expect(Array.from(out)).toEqual([-1, -1, 0, 20, 15, 2]);
    expect(() => esm.encodeInto(new TextEncoder().encode('MKV'), out, 2)).toThrow(RangeError);
    expect(Array.from(out)).toEqual([-1, -1, 0, 20, 15, 2]);
    expect(esm.maxTokens(3)).toBe(5);
  });

  it('refuses non-ASCII bytes with TOKENIZER_INPUT', () => {
    let error: unknown;
    try {
      esm.encode(new Uint8Array([77, 0xff]));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(VirnucproError);
    expect((error as VirnucproError).code).toBe('TOKENIZER_INPUT');
    expect((error as VirnucproError).message).toContain('byte 0xff at offset 1');
  });
});
