import { BpeTokenizer, loadBpeTokenizer } from '../tokenize/bpeTokenizer.js';
import { ESM2_PAD_ID, Esm2Tokenizer } from '../tokenize/esm2Tokenizer.js';
import { ESM2_TOKENIZER } from '../model/manifest.js';
import type { Tokenizer } from '../tokenize/tokenizer.js';

/** The padding token of a BPE tokenizer.json (DNABERT-S: id 3). Padding is masked out, so its id only has to exist. */
export const BPE_PAD_TOKEN = '[PAD]';

/**
 * The tokenizer an encoder names (`BundleEncoder.tokenizer`): `"esm2"` is the built-in ESM-2 alphabet,
 * anything else the path of a tokenizer.json. Errors: TOKENIZER_INVALID from the loader. For an encoder
 * written by hand: a loaded bundle has its tokenizers parsed already (`bundle.tokenizers`).
 *
 * @example
 * const tokenizer = await loadEncoderTokenizer({ tokenizer: 'my-bundle/tokenizer.json' });
 */
export async function loadEncoderTokenizer(encoder: { readonly tokenizer: string }): Promise<Tokenizer> {
  return encoder.tokenizer === ESM2_TOKENIZER ? new Esm2Tokenizer() : loadBpeTokenizer(encoder.tokenizer);
}

/** The id rows are right-padded with: ESM-2 `<pad>` = 1, a BPE tokenizer's `[PAD]`; undefined when it has none. */
export function padIdOf(tokenizer: Tokenizer): number | undefined {
  if (tokenizer instanceof Esm2Tokenizer) return ESM2_PAD_ID;
  if (tokenizer instanceof BpeTokenizer) return tokenizer.tokenToId(BPE_PAD_TOKEN);
  return undefined;
}
