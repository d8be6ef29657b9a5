import { VirnucproError } from '../errors.js';
import { UPPER } from '../sequence/geneticCode.js';
import type { Tokenizer } from '../tokenize/tokenizer.js';
import type { RowSelector } from './rowSelector.js';

/** The token ids of one batch's rows: row i is `ids[starts[i], starts[i + 1])`, specials included. */
export interface RowTokens {
  readonly ids: Int32Array;
  /** Length count + 1. */
  readonly starts: Uint32Array;
}

/**
 * Tokenizes whole batches of rows into one exact-size id array each. Keeps two scratch buffers (ids sized by
 * the tokenizer's worst case, upper-cased bytes), grown to the largest batch seen, so a batch costs one
 * allocation of its real token count (DNABERT-S BPE averages ~0.2 tokens per base: sizing by the worst case
 * would hold 5× the memory for the batch's life).
 */
export class RowTokenizer<B> {
  readonly #tokenizer: Tokenizer;
  readonly #selector: RowSelector<B>;
  /** Rows longer than this many tokens are refused (the model's maxTokens); Infinity for none. */
  readonly #maxTokens: number;
  #ids = new Int32Array(0);
  #upper = new Uint8Array(0);

  constructor(tokenizer: Tokenizer, selector: RowSelector<B>, maxTokens: number) {
    this.#tokenizer = tokenizer;
    this.#selector = selector;
    this.#maxTokens = maxTokens;
  }

  /**
   * Errors: the tokenizer's (TOKENIZER_INPUT for a non-ASCII byte) and ROW_TOO_LONG, both positioned on the
   * row's record or frame id.
   */
  tokenize(batch: B): RowTokens {
    const { count, bytes, starts: byteStarts } = this.#selector.rows(batch);
    const tokenizer = this.#tokenizer;
    let capacity = 0;
    for (let i = 0; i < count; i++) capacity += tokenizer.maxTokens(byteStarts[i + 1]! - byteStarts[i]!);
    if (this.#ids.length < capacity) this.#ids = new Int32Array(capacity);
    const source = this.#selector.upperCase ? this.#upperCased(bytes, byteStarts[count]!) : bytes;
    const ids = this.#ids;
    const starts = new Uint32Array(count + 1);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const row = source.subarray(byteStarts[i]!, byteStarts[i + 1]!);
      let tokens: number;
      try {
        tokens = tokenizer.encodeInto(row, ids, at);
      } catch (error) {
        if (!(error instanceof VirnucproError)) throw error;
        throw new VirnucproError(error.code, error.message, {
          position: this.#selector.position(batch, i),
          ...(error.hint !== undefined ? { hint: error.hint } : {}),
          cause: error,
        });
      }
      if (tokens > this.#maxTokens) throw this.#tooLong(batch, i, tokens);
      at += tokens;
      starts[i + 1] = at;
    }
    return { ids: ids.slice(0, at), starts };
  }

  /** The first `length` bytes upper-cased into scratch. */
  #upperCased(bytes: Uint8Array, length: number): Uint8Array {
    if (this.#upper.length < length) this.#upper = new Uint8Array(length);
    const out = this.#upper;
    for (let i = 0; i < length; i++) out[i] = UPPER[bytes[i]!]!;
    return out;
  }

  #tooLong(batch: B, i: number, tokens: number): VirnucproError {
    return new VirnucproError('ROW_TOO_LONG',
      `${this.#selector.what} of ${tokens} tokens is longer than the model takes (maxTokens ${this.#maxTokens})`, {
        position: this.#selector.position(batch, i),
        hint: 'the bundle\'s maxTokens is the longest row the model was exported for: split such sequences before ' +
          'embedding them, or use a model that takes longer rows (docs/model-bundle.md)',
      });
  }
}
