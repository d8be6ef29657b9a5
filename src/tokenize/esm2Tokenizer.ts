import { checkRoom, nonAsciiError, type Tokenizer } from './tokenizer.js';

/** ESM-2's alphabet (semantics §6), in id order: 4 specials, 27 residue letters, 2 more specials. */
export const ESM2_ALPHABET: readonly string[] = Object.freeze([
  '<cls>',
  '<pad>',
  '<eos>',
  '<unk>',
  ...'LAGVSERTIDPKQNFYMHWCXBUZO.-',
  '<null_1>',
  '<mask>',
]);
export const ESM2_CLS_ID = 0;
export const ESM2_PAD_ID = 1;
export const ESM2_EOS_ID = 2;
export const ESM2_UNK_ID = 3;

/** Marks the bytes the ESM-2 tokenizer refuses (non-ASCII) in {@link BYTE_IDS}. */
const NOT_ASCII = -1;

/** Id of every byte: residue letters by the alphabet, other ASCII `<unk>`, the rest {@link NOT_ASCII}. */
const BYTE_IDS = (() => {
  const ids = new Int8Array(256).fill(NOT_ASCII);
  ids.fill(ESM2_UNK_ID, 0, 128);
  ESM2_ALPHABET.forEach((token, id) => {
    if (token.length === 1) ids[token.charCodeAt(0)] = id;
  });
  return ids;
})();

/**
 * The ESM-2 protein tokenizer: row = `<cls>` + one id per residue + `<eos>`. Letters outside the alphabet
 * (lower case included: proteins arrive upper-cased) become `<unk>` one for one, so a row always has
 * residues + 2 ids, which the residue-mean pooling (positions 1..P) relies on.
 *
 * @example
 * const esm = new Esm2Tokenizer();
 * esm.encode(new TextEncoder().encode('MKV')); // Int32Array [0, 20, 15, 7, 2]
 */
export class Esm2Tokenizer implements Tokenizer {
  readonly vocabSize = ESM2_ALPHABET.length;

  maxTokens(byteLength: number): number {
    return byteLength + 2;
  }

  encodeInto(bytes: Uint8Array, out: Int32Array, offset = 0): number {
    const count = bytes.length + 2;
    checkRoom(out, offset, count);
    out[offset] = ESM2_CLS_ID;
    for (let i = 0; i < bytes.length; i++) {
      const id = BYTE_IDS[bytes[i]!]!;
      if (id === NOT_ASCII) throw nonAsciiError(bytes, i);
      out[offset + 1 + i] = id;
    }
    out[offset + count - 1] = ESM2_EOS_ID;
    return count;
  }

  encode(bytes: Uint8Array): Int32Array {
    const out = new Int32Array(bytes.length + 2);
    this.encodeInto(bytes, out);
    return out;
  }
}
