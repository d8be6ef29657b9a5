import { VirnucproError } from '../errors.js';
import { RankQueue } from './rankQueue.js';

/** BPE merge rules in the form {@link BpeMerger} compiles, ids only. */
export interface MergeRules {
  /** Largest token id + 1. */
  readonly vocabSize: number;
  /** Merge k (its rank) at 3k, 3k+1, 3k+2: left id, right id, id of the merged token. */
  readonly merges: Int32Array;
  /** Symbol id of each ASCII byte (128 entries): its one-character token, else the unknown token. */
  readonly byteSymbols: Int32Array;
}

/**
 * Largest pair table {@link BpeMerger} builds: (tokens that start a merge + 1) × (tokens that end one + 1)
 * int32 ranks. DNABERT-S needs 300 × 279 (330 KiB); the cap, 16 MiB, admits any DNA-sized BPE vocabulary and
 * refuses text vocabularies of tens of thousands of merges, whose table would not fit a worker's memory.
 */
export const MAX_PAIR_TABLE_ENTRIES = 2 ** 22;

const NO_MERGE = -1;

/**
 * Pair → rank as a dense table over the tokens that occur in merges: a token that never starts (ends) a
 * merge maps to an all-empty row (column), so a lookup is three loads and no branch. Measured 2-20 % faster
 * than an open-addressing hash, whose misses (most lookups) probe until an empty slot.
 */
class PairTable {
  /** Row offset of each token as a left part. */
  readonly rowOf: Int32Array;
  /** Column of each token as a right part. */
  readonly columnOf: Int32Array;
  readonly ranks: Int32Array;

  constructor(rules: MergeRules) {
    const { merges, vocabSize } = rules;
    const rowIndex = new Int32Array(vocabSize).fill(-1);
    const columnOf = new Int32Array(vocabSize).fill(-1);
    let rows = 0;
    let columns = 0;
    for (let i = 0; i < merges.length; i += 3) {
      if (rowIndex[merges[i]!] === -1) rowIndex[merges[i]!] = rows++;
      if (columnOf[merges[i + 1]!] === -1) columnOf[merges[i + 1]!] = columns++;
    }
    const width = columns + 1;
    if ((rows + 1) * width > MAX_PAIR_TABLE_ENTRIES) {
      throw new VirnucproError(
        'TOKENIZER_INVALID',
        `model.merges: ${rows} distinct left and ${columns} distinct right parts need a pair table of ` +
          `${(rows + 1) * width} entries, over the ${MAX_PAIR_TABLE_ENTRIES} supported`,
        { hint: 'only DNA-sized BPE vocabularies (a few thousand merges) are supported' },
      );
    }
    const rowOf = new Int32Array(vocabSize);
    for (let id = 0; id < vocabSize; id++) {
      rowOf[id] = (rowIndex[id] === -1 ? rows : rowIndex[id]!) * width;
      if (columnOf[id] === -1) columnOf[id] = columns;
    }
    // In rank order, so a pair listed twice keeps its later rank, as the Rust `tokenizers` HashMap does.
    const ranks = new Int32Array((rows + 1) * width).fill(NO_MERGE);
    for (let rank = 0; rank * 3 < merges.length; rank++) {
      ranks[rowOf[merges[rank * 3]!]! + columnOf[merges[rank * 3 + 1]!]!] = rank;
    }
    this.rowOf = rowOf;
    this.columnOf = columnOf;
    this.ranks = ranks;
  }

  rankOf(left: number, right: number): number {
    return this.ranks[this.rowOf[left]! + this.columnOf[right]!]!;
  }
}

/**
 * Refuses a merge that uses a token made by a merge of equal or higher rank. Merge lists written by a BPE
 * trainer never have one (a trainer only merges tokens that exist), and without one every pair a merge
 * creates ranks after it: the property that lets {@link BpeMerger} apply ranks in increasing order.
 */
function checkCreationOrder(rules: MergeRules, table: PairTable): void {
  const { merges } = rules;
  const madeBy = new Int32Array(rules.vocabSize).fill(-1);
  for (let rank = 0; rank * 3 < merges.length; rank++) madeBy[merges[rank * 3 + 2]!] = rank;
  for (let rank = 0; rank * 3 < merges.length; rank++) {
    const left = merges[rank * 3]!;
    const right = merges[rank * 3 + 1]!;
    if (table.rankOf(left, right) !== rank) continue; // a later duplicate of this pair overrides it
    const maker = Math.max(madeBy[left]!, madeBy[right]!);
    if (maker >= rank) {
      throw new VirnucproError(
        'TOKENIZER_INVALID',
        `model.merges[${rank}]: uses a token that model.merges[${maker}] makes (merges not in creation order)`,
        { hint: 'BPE trainers write merges in creation order; this merge list was edited or reordered' },
      );
    }
  }
}

/**
 * Applies BPE merges to one word exactly as the Rust `tokenizers` crate does (models/bpe/word.rs,
 * `merge_all`): repeatedly merge the adjacent pair of lowest rank, the leftmost one on ties, so "AAA" with
 * the merge "A A" gives "AA A".
 *
 * Instead of Rust's heap of (rank, position) it drains one rank at a time from a {@link RankQueue}. That
 * gives the same merges: a merge only creates pairs of higher rank (merge lists in creation order, checked
 * at construction), so when rank r comes up its pairs are exactly those the heap would pop next. They
 * cannot overlap unless the pair is a token with itself ("A A" in "AAA"), and only those ranks are drained
 * in position order. Entries made stale by an earlier merge are skipped, as Rust skips them.
 *
 * Memory: the pair table (see {@link MAX_PAIR_TABLE_ENTRIES}) plus ~52 B per base of the longest word seen
 * (four int32 per position, up to three queue entries and drained positions).
 */
export class BpeMerger {
  readonly #resultOf: Int32Array;
  /** 1 for ranks whose pair is a token with itself: the only ones whose positions can overlap. */
  readonly #selfPair: Uint8Array;
  readonly #rowOf: Int32Array;
  readonly #columnOf: Int32Array;
  readonly #ranks: Int32Array;
  readonly #byteSymbols: Int32Array;
  /** Rank of the pair of every two ASCII bytes, (first << 7) | second: the first pass needs no lookup. */
  readonly #bytePairRank: Int32Array;
  readonly #queue: RankQueue;
  // Per-position state of the current word, grown to the longest word seen.
  #symbol = new Int32Array(0);
  #next = new Int32Array(0);
  #prev = new Int32Array(0);
  /** Rank of the pair starting at each position, NO_MERGE when there is none or the position was merged away. */
  #pairRank = new Int32Array(0);
  #drained = new Int32Array(0);

  /** Throws TOKENIZER_INVALID (without a file: the caller adds it) for rules it cannot apply exactly. */
  constructor(rules: MergeRules) {
    const table = new PairTable(rules);
    checkCreationOrder(rules, table);
    const ranks = rules.merges.length / 3;
    this.#resultOf = new Int32Array(ranks);
    this.#selfPair = new Uint8Array(ranks);
    for (let rank = 0; rank < ranks; rank++) {
      this.#resultOf[rank] = rules.merges[rank * 3 + 2]!;
      this.#selfPair[rank] = rules.merges[rank * 3] === rules.merges[rank * 3 + 1] ? 1 : 0;
    }
    this.#rowOf = table.rowOf;
    this.#columnOf = table.columnOf;
    this.#ranks = table.ranks;
    this.#byteSymbols = rules.byteSymbols;
    this.#bytePairRank = new Int32Array(128 * 128);
    for (let first = 0; first < 128; first++) {
      for (let second = 0; second < 128; second++) {
        this.#bytePairRank[(first << 7) | second] = table.rankOf(rules.byteSymbols[first]!, rules.byteSymbols[second]!);
      }
    }
    this.#queue = new RankQueue(ranks);
  }

  /**
   * Merges the word `bytes[start, end)` (ASCII, at least one byte) and writes its token ids to `out` from
   * `offset`, which must have room for `end - start` ids. Returns how many it wrote.
   */
  mergeWord(bytes: Uint8Array, start: number, end: number, out: Int32Array, offset: number): number {
    const length = end - start;
    this.#reserve(length);
    const symbol = this.#symbol;
    const next = this.#next;
    const prev = this.#prev;
    const pairRank = this.#pairRank;
    const byteSymbols = this.#byteSymbols;
    const bytePairRank = this.#bytePairRank;
    const queue = this.#queue;
    // Every merge pushes at most two entries after the first pass's length - 1.
    queue.reset(3 * length);

    let first = bytes[start]!;
    for (let pos = 0; pos < length - 1; pos++) {
      const second = bytes[start + pos + 1]!;
      symbol[pos] = byteSymbols[first]!;
      prev[pos] = pos - 1;
      next[pos] = pos + 1;
      const rank = bytePairRank[(first << 7) | second]!;
      pairRank[pos] = rank;
      if (rank !== NO_MERGE) queue.push(rank, pos);
      first = second;
    }
    symbol[length - 1] = byteSymbols[first]!;
    prev[length - 1] = length - 2;
    next[length - 1] = -1;
    pairRank[length - 1] = NO_MERGE;

    const drained = this.#drained;
    for (let rank = queue.popRank(); rank !== NO_MERGE; rank = queue.popRank()) {
      const merged = this.#resultOf[rank]!;
      const count = queue.drain(rank, drained, this.#selfPair[rank] === 1);
      for (let i = 0; i < count; i++) {
        const pos = drained[i]!;
        if (pairRank[pos] !== rank) continue; // stale: an earlier merge changed this pair
        const right = next[pos]!;
        const after = next[right]!;
        symbol[pos] = merged;
        pairRank[right] = NO_MERGE;
        next[pos] = after;
        const before = prev[pos]!;
        if (before >= 0) {
          const rankBefore = this.#rankOf(symbol[before]!, merged);
          pairRank[before] = rankBefore;
          if (rankBefore !== NO_MERGE) queue.push(rankBefore, before);
        }
        if (after >= 0) {
          prev[after] = pos;
          const rankAfter = this.#rankOf(merged, symbol[after]!);
          pairRank[pos] = rankAfter;
          if (rankAfter !== NO_MERGE) queue.push(rankAfter, pos);
        } else {
          pairRank[pos] = NO_MERGE;
        }
      }
    }

    let written = offset;
    for (let pos = 0; pos >= 0; pos = next[pos]!) out[written++] = symbol[pos]!;
    return written - offset;
  }

  #rankOf(left: number, right: number): number {
    return this.#ranks[this.#rowOf[left]! + this.#columnOf[right]!]!;
  }

  #reserve(length: number): void {
    if (this.#symbol.length >= length) return;
    const size = 2 ** Math.ceil(Math.log2(length));
    this.#symbol = new Int32Array(size);
    this.#next = new Int32Array(size);
    this.#prev = new Int32Array(size);
    this.#pairRank = new Int32Array(size);
    this.#drained = new Int32Array(3 * size);
  }
}
