import { readFile } from 'node:fs/promises';
import { VirnucproError } from '../errors.js';
import { AddedTokenMatcher } from './addedTokens.js';
import { BpeMerger } from './bpeMerger.js';
import { checkRoom, nonAsciiError, type Tokenizer } from './tokenizer.js';
import { readTokenizerJson, type BpeDefinition } from './tokenizerJson.js';

// Byte classes of the Whitespace pre-tokenizer's regex \w+|[^\w\s]+ over ASCII (Oniguruma, Unicode mode):
// a word is a run of \w or a run of "other"; \s separates and is dropped.
const WORD = 0;
const SPACE = 1;
const OTHER = 2;
const NON_ASCII = 3;
/** Added to a byte's class where an added token may start, so word scans stop there to look. */
const ADDED_START = 4;

const BYTE_CLASS = (() => {
  const classes = new Uint8Array(256).fill(NON_ASCII);
  for (let byte = 0; byte < 128; byte++) {
    const char = String.fromCharCode(byte);
    classes[byte] = /\w/.test(char) ? WORD : /\s/.test(char) ? SPACE : OTHER;
  }
  return classes;
})();

/**
 * The DNABERT-S tokenizer: a Hugging Face tokenizer.json with a BPE model, encoded exactly as the
 * `tokenizers` library encodes it (checked against it in the tests): added tokens are cut out first, the
 * Whitespace pre-tokenizer splits words on `\w+|[^\w\s]+` (so `-` or `*` separate words), each word is
 * split into characters (those outside the vocabulary become the unknown token, one each), merges apply by
 * rank, leftmost first, and the template adds its special tokens (`[CLS]` = 1 ... `[SEP]` = 2). No
 * truncation, no padding. Input is ASCII bytes; lower case is not folded (`a` is `[UNK]`, as in the original).
 *
 * Each instance keeps its own scratch: build one per worker thread ({@link loadBpeTokenizer} or
 * {@link parseBpeTokenizer} with text passed in workerData).
 *
 * **Memory:** the merge tables (~0.5 MiB for DNABERT-S) plus ~56 B per base of the longest sequence seen.
 *
 * @example
 * const dna = await loadBpeTokenizer('bundle/dnabert_s_tokenizer.json');
 * const ids = dna.encode(new TextEncoder().encode('ACGTTGCA')); // Int32Array [1, ..., 2]
 * @see Esm2Tokenizer for proteins.
 */
export class BpeTokenizer implements Tokenizer {
  readonly vocabSize: number;
  /** The file it was read from, for messages. */
  readonly source: string;
  readonly #vocab: ReadonlyMap<string, number>;
  readonly #prefixIds: readonly number[];
  readonly #suffixIds: readonly number[];
  readonly #added: AddedTokenMatcher;
  /** {@link BYTE_CLASS}, plus {@link ADDED_START} on bytes that start an added token. */
  readonly #byteClass: Uint8Array;
  readonly #merger: BpeMerger;
  /** Ids of the sequence being encoded, grown to the longest seen. */
  #ids = new Int32Array(0);

  constructor(definition: BpeDefinition) {
    this.source = definition.source;
    this.vocabSize = definition.rules.vocabSize;
    this.#vocab = definition.vocab;
    this.#prefixIds = definition.prefixIds;
    this.#suffixIds = definition.suffixIds;
    this.#added = new AddedTokenMatcher(definition.addedTokens);
    this.#byteClass = BYTE_CLASS.map((byteClass, byte) => byteClass + (this.#added.startBytes[byte] ? ADDED_START : 0));
    try {
      this.#merger = new BpeMerger(definition.rules);
    } catch (error) {
      if (!(error instanceof VirnucproError)) throw error;
      throw new VirnucproError(error.code, error.message, {
        position: { file: definition.source },
        ...(error.hint !== undefined ? { hint: error.hint } : {}),
      });
    }
  }

  /** Id of a token of the vocabulary (`[PAD]` for padding, say), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.#vocab.get(token);
  }

  /** Every byte yields at most one id, and the template adds its specials. */
  maxTokens(byteLength: number): number {
    return this.#prefixIds.length + byteLength + this.#suffixIds.length;
  }

  encodeInto(bytes: Uint8Array, out: Int32Array, offset = 0): number {
    const count = this.#encode(bytes);
    checkRoom(out, offset, count);
    const ids = this.#ids;
    for (let i = 0; i < count; i++) out[offset + i] = ids[i]!;
    return count;
  }

  encode(bytes: Uint8Array): Int32Array {
    const count = this.#encode(bytes); // first: it may replace the scratch
    return this.#ids.slice(0, count);
  }

  /** Encodes into the scratch ids; returns the count. */
  #encode(bytes: Uint8Array): number {
    const maxTokens = this.maxTokens(bytes.length);
    if (this.#ids.length < maxTokens) this.#ids = new Int32Array(2 ** Math.ceil(Math.log2(maxTokens)));
    const ids = this.#ids;
    const byteClass = this.#byteClass;
    const length = bytes.length;
    let count = 0;
    for (const id of this.#prefixIds) ids[count++] = id;
    let start = 0;
    while (start < length) {
      let wordClass = byteClass[bytes[start]!]!;
      if (wordClass >= ADDED_START) {
        const added = this.#added.match(bytes, start);
        if (added >= 0) {
          ids[count++] = this.#added.id(added);
          start += this.#added.length(added);
          continue;
        }
        wordClass -= ADDED_START;
      }
      if (wordClass === NON_ASCII) throw nonAsciiError(bytes, start);
      if (wordClass === SPACE) {
        start++;
        continue;
      }
      let end = start + 1;
      for (; end < length; end++) {
        const next = byteClass[bytes[end]!]!;
        if (next === wordClass) continue;
        // A byte that may start an added token ends the word only where one actually starts.
        if (next !== wordClass + ADDED_START || this.#added.match(bytes, end) >= 0) break;
      }
      count += this.#merger.mergeWord(bytes, start, end, ids, count);
      start = end;
    }
    for (const id of this.#suffixIds) ids[count++] = id;
    return count;
  }
}

/**
 * Reads a tokenizer.json (DNABERT-S's) and builds its {@link BpeTokenizer}. A file that is missing, does
 * not parse, or asks for what virnucpro does not implement fails with TOKENIZER_INVALID naming the file.
 */
export async function loadBpeTokenizer(file: string): Promise<BpeTokenizer> {
  return parseBpeTokenizer((await readTokenizerFile(file)).toString('utf8'), file);
}

/**
 * The bytes of a tokenizer file, for a caller that also hashes them (the bundle loader reads the file once to
 * both verify and parse it). A file that cannot be read fails with TOKENIZER_INVALID naming it.
 */
export async function readTokenizerFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new VirnucproError('TOKENIZER_INVALID', `cannot read the tokenizer file (${(error as Error).message})`, {
      position: { file },
      hint: 'check the path; a model bundle names it in manifest.json (dna.tokenizer)',
      cause: error,
    });
  }
}

/**
 * Builds a {@link BpeTokenizer} from tokenizer.json text or its parsed object: what a worker thread does
 * with text handed over in workerData.
 *
 * @param source name shown in errors (the file the text came from)
 */
export function parseBpeTokenizer(json: string | object, source: string): BpeTokenizer {
  return new BpeTokenizer(readTokenizerJson(json, source));
}
