/** A token the tokenizer cuts out of the raw text before pre-tokenizing (`added_tokens` in tokenizer.json). */
export interface AddedToken {
  readonly content: string;
  readonly id: number;
}

/**
 * Finds added tokens in bytes the way `tokenizers` does (added_vocabulary.rs: Aho-Corasick, leftmost-longest):
 * at the first position where any token starts, the longest one wins. DNABERT-S's are `[UNK]`, `[CLS]`,
 * `[SEP]`, `[PAD]` and `[MASK]`, so a frame never holds one and the cost is one table load per byte.
 */
export class AddedTokenMatcher {
  /** 1 for each byte some added token starts with. */
  readonly startBytes = new Uint8Array(256);
  /** Candidates, longest first, so the first full match is the leftmost-longest one. */
  readonly #bytes: Uint8Array[];
  readonly #ids: number[];

  constructor(tokens: readonly AddedToken[]) {
    const encoder = new TextEncoder();
    const sorted = tokens
      .map((token) => ({ bytes: encoder.encode(token.content), id: token.id }))
      .filter((token) => token.bytes.length > 0)
      .sort((a, b) => b.bytes.length - a.bytes.length);
    this.#bytes = sorted.map((token) => token.bytes);
    this.#ids = sorted.map((token) => token.id);
    for (const bytes of this.#bytes) this.startBytes[bytes[0]!] = 1;
  }

  /** Index of the longest added token at `bytes[pos]`, or -1. Call only where `startBytes` is 1. */
  match(bytes: Uint8Array, pos: number): number {
    for (let index = 0; index < this.#bytes.length; index++) {
      const token = this.#bytes[index]!;
      if (pos + token.length > bytes.length) continue;
      let i = 0;
      while (i < token.length && bytes[pos + i] === token[i]) i++;
      if (i === token.length) return index;
    }
    return -1;
  }

  /** Byte length of the token {@link match} found. */
  length(index: number): number {
    return this.#bytes[index]!.length;
  }

  /** Id of the token {@link match} found. */
  id(index: number): number {
    return this.#ids[index]!;
  }
}
