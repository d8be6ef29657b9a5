// The tokenizers the embedding stages use; the bundle loader reads and parses a DNA tokenizer once for them.
/** The common shape both tokenizers have, so one embedding stage serves DNA and protein. */
export type { Tokenizer } from './tokenizer.js';
/** DNABERT-S: tokenizer.json BPE with ids identical to Hugging Face `tokenizers`, 25-55x its JS port. */
export { BpeTokenizer, loadBpeTokenizer, parseBpeTokenizer, readTokenizerFile } from './bpeTokenizer.js';
/** ESM-2's fixed 33-token alphabet, and the special ids a batcher pads and pools with. */
export { Esm2Tokenizer, ESM2_ALPHABET, ESM2_CLS_ID, ESM2_EOS_ID, ESM2_PAD_ID, ESM2_UNK_ID } from './esm2Tokenizer.js';
/** Largest vocabulary a tokenizer.json may have: for checks and messages elsewhere. */
export { MAX_VOCAB_SIZE } from './tokenizerJson.js';
/** Largest merge-pair table: why a text-sized BPE vocabulary is refused. */
export { MAX_PAIR_TABLE_ENTRIES } from './bpeMerger.js';
