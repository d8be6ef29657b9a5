/**
 * A deliberately naive tokenizer.json BPE encoder, written from the `tokenizers` documentation and source
 * without sharing code with src/tokenize: strings instead of bytes, a regex for the Whitespace
 * pre-tokenizer, and the textbook merge loop (merge the lowest-rank adjacent pair, leftmost first, until
 * none is left). Quadratic, so only for short inputs.
 */

export interface ReferenceTokenizerJson {
  readonly added_tokens?: readonly { readonly content: string; readonly id: number }[];
  readonly model: {
    readonly vocab: Readonly<Record<string, number>>;
    readonly merges: readonly (string | readonly [string, string])[];
    readonly unk_token: string;
  };
}

export function referenceEncode(json: ReferenceTokenizerJson, text: string, prefix: number[], suffix: number[]): number[] {
  const vocab = new Map(Object.entries(json.model.vocab));
  const ranks = new Map<string, number>();
  // Map.set in order: a pair listed twice keeps its later rank, as the Rust HashMap does.
  json.model.merges.forEach((merge, rank) => ranks.set(typeof merge === 'string' ? merge : merge.join(' '), rank));
  const added = [...(json.added_tokens ?? [])].sort((a, b) => b.content.length - a.content.length);

  const ids = [...prefix];
  let piece = '';
  const flush = (): void => {
    for (const word of piece.match(/\w+|[^\w\s]+/g) ?? []) ids.push(...mergeWord(word, vocab, ranks, json.model.unk_token));
    piece = '';
  };
  for (let i = 0; i < text.length;) {
    const token = added.find((candidate) => text.startsWith(candidate.content, i));
    if (token) {
      flush();
      ids.push(token.id);
      i += token.content.length;
    } else {
      piece += text[i];
      i++;
    }
  }
  flush();
  return [...ids, ...suffix];
}

function mergeWord(word: string, vocab: Map<string, number>, ranks: Map<string, number>, unk: string): number[] {
  const symbols = [...word].map((char) => (vocab.has(char) ? char : unk));
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const rank = ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = i;
      }
    }
    if (best < 0) return symbols.map((symbol) => vocab.get(symbol)!);
    symbols.splice(best, 2, symbols[best]! + symbols[best + 1]!);
  }
}
