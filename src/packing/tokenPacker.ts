import { VirnucproError } from '../errors.js';

/**
 * Most padded tokens (rows × longest row) one batch may hold. 16 384 is what the v2.0 refactor ran ESM-2 3B
 * with on a 24 GB GPU, so its figures compare with ours. Memory: the model's activations for one batch
 * scale with it (ESM-2 3B: ~16 384 × 2 560 × 4 B = 160 MiB per hidden-state tensor); the packer itself holds
 * nothing per budget token. docs/adr/0003-token-budget-packing.md has the measured table.
 */
export const DEFAULT_TOKEN_BUDGET = 16_384;

/**
 * Rows the packer collects before it sorts and cuts. Efficiency depends on how many batches one window
 * yields (window ÷ rows per batch): about 40 keeps the widest measured mix (mixed read lengths) at >= 97.5 %.
 * 8 192 rows gives >= 97.6 % at the default budget on every measured mix, where 4 096 gives 95.6 %
 * (ADR 0003). Scale it with the budget: window ≈ 40 × tokenBudget ÷ mean row tokens.
 * Memory: 20 B per slot in the packer (160 KiB); the rows it refers to are the caller's and hold pipeline
 * credit (8 192 rows × ≤ 170 tokens × 8 B of int64 ids ≤ 11 MiB).
 */
export const DEFAULT_PACKING_WINDOW = 8_192;

/** The sort key is `length × 2^24 + slot`: exact in a float64 while length < 2^29 and slot < 2^24. */
const SLOT_SCALE = 2 ** 24;
/** Largest window the sort key can number (16 M rows: far beyond any useful look-ahead). */
export const MAX_PACKING_WINDOW = SLOT_SCALE;
/** Largest row length the sort key can hold exactly. No model accepts rows anywhere near this long. */
export const MAX_ROW_TOKENS = 2 ** 29 - 1;
/** Largest padding multiple accepted: kernels ask for 4 or 8; more would be a typo costing padding. */
export const MAX_LENGTH_MULTIPLE = 64;

export interface TokenPackerOptions {
  /** Most padded tokens (rows × longest row) per batch. Default {@link DEFAULT_TOKEN_BUDGET}. */
  readonly tokenBudget?: number;
  /** Rows held before the packer sorts and cuts them. Default {@link DEFAULT_PACKING_WINDOW}. */
  readonly window?: number;
  /** Most rows per batch, whatever their length (a model's batch-dimension limit). Default: no cap. */
  readonly maxRows?: number;
  /**
   * Batches are padded to a multiple of this many tokens (and budgeted at that width). Default 1. onnxruntime's
   * CUDA `Attention` takes its fused kernel only when the padded length is a multiple of 4 while an attention
   * bias is given (docs/adr/0007-gpu-path.md); elsewhere extra padding is pure cost.
   */
  readonly lengthMultiple?: number;
}

export type ResolvedTokenPackerOptions = Required<TokenPackerOptions>;

export const DEFAULT_TOKEN_PACKER: ResolvedTokenPackerOptions = {
  tokenBudget: DEFAULT_TOKEN_BUDGET,
  window: DEFAULT_PACKING_WINDOW,
  maxRows: Infinity,
  lengthMultiple: 1,
};

/** One model batch: rows of near-equal length, to be right-padded to `paddedLength`. */
export interface PackedBatch<K> {
  /** The rows' keys, by ascending token length (equal lengths in arrival order). */
  readonly keys: K[];
  /** The batch's padded width: the longest row's token length, rounded up to the packer's `lengthMultiple`. */
  readonly paddedLength: number;
  /** Sum of the rows' token lengths (padding excluded). */
  readonly realTokens: number;
}

/** What {@link TokenPacker.push} returns while the window still has room (shared, never mutated). */
const NO_BATCHES: readonly PackedBatch<never>[] = Object.freeze([]);

/**
 * Groups rows of similar token length into model batches under a padded-token budget.
 *
 * Rows arrive in order as (key, token length). The packer holds at most `window` of them; when the window
 * fills, or when the caller calls {@link flush} (end of input, upstream stalled on credit, linger timeout),
 * it sorts the rows it holds by length and cuts them, in sorted order, into batches with
 * rows × longestRow ≤ tokenBudget and rows ≤ maxRows. The cut is greedy (each batch takes as many rows as
 * fit), which gives the fewest batches; the least-padding split with as few batches gained ≤ 0.53 points
 * at the default window for ~9× the cost, and a larger window gains more (ADR 0003). A row longer than the
 * budget gets a batch of its own: it is never dropped, and refusing rows a model cannot take is the model
 * stage's job.
 *
 * Every pushed row appears in exactly one batch. Batches come out by ascending length, not in input order:
 * {@link GroupAssembler} restores the order.
 *
 * **Memory:** `window` slots of 20 B (the keys are the caller's); each cut allocates only its batches.
 * **Order:** within a cut, batches and rows by ascending length, ties in arrival order; cuts in push order.
 *
 * @example
 * const packer = new TokenPacker<number>({ tokenBudget: 8192, window: 1024 });
 * for (const batch of packer.push(rowIndex, tokenCount)) run(batch);
 * for (const batch of packer.flush()) run(batch); // at end of input
 * @see PackingStats for the efficiency of what it cut.
 */
export class TokenPacker<K> {
  readonly tokenBudget: number;
  readonly window: number;
  readonly maxRows: number;
  readonly lengthMultiple: number;
  readonly #keys: (K | undefined)[];
  readonly #lengths: Int32Array;
  /** Sort keys of the current cut; a field so that cutting allocates nothing but the batches. */
  readonly #order: Float64Array;
  #size = 0;

  constructor(options: TokenPackerOptions = {}) {
    // A pipeline starts a packer per input batch with options it resolved once: they are not checked again.
    const resolved = RESOLVED.has(options) ? (options as ResolvedTokenPackerOptions) : resolveTokenPackerOptions(options);
    this.tokenBudget = resolved.tokenBudget;
    this.window = resolved.window;
    this.maxRows = resolved.maxRows;
    this.lengthMultiple = resolved.lengthMultiple;
    this.#keys = new Array<K | undefined>(this.window).fill(undefined);
    this.#lengths = new Int32Array(this.window);
    this.#order = new Float64Array(this.window);
  }

  /** Rows held, waiting for the window to fill or for {@link flush}. Always < `window` between calls. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds a row of `tokens` tokens (specials included). Returns the batches cut when this row fills the
   * window, else an empty array.
   */
  push(key: K, tokens: number): readonly PackedBatch<K>[] {
    if (!Number.isInteger(tokens) || tokens < 1 || tokens > MAX_ROW_TOKENS) {
      throw new VirnucproError('INTERNAL', `token length must be an integer in 1..${MAX_ROW_TOKENS} (got ${tokens})`);
    }
    const slot = this.#size;
    this.#keys[slot] = key;
    this.#lengths[slot] = tokens;
    this.#size = slot + 1;
    return this.#size === this.window ? this.#cut() : NO_BATCHES;
  }

  /** Cuts every row held into batches now, however few. Returns an empty array when none are held. */
  flush(): readonly PackedBatch<K>[] {
    return this.#size === 0 ? NO_BATCHES : this.#cut();
  }

  #cut(): PackedBatch<K>[] {
    const n = this.#size;
    const lengths = this.#lengths;
    const order = this.#order.subarray(0, n);
    // A numeric typed-array sort (no comparator) of length-major keys: ascending length, ties by slot.
    for (let slot = 0; slot < n; slot++) order[slot] = lengths[slot]! * SLOT_SCALE + slot;
    order.sort();

    const batches: PackedBatch<K>[] = [];
    let start = 0;
    for (let i = 1; i < n; i++) {
      const rows = i - start + 1;
      // Row i is the longest so far, so it sets the padded width if it joins.
      if (rows > this.maxRows || rows * this.#width(order[i]!) > this.tokenBudget) {
        batches.push(this.#batch(order, start, i));
        start = i;
      }
    }
    batches.push(this.#batch(order, start, n));
    this.#keys.fill(undefined, 0, n); // drop references: rows belong to their batch now
    this.#size = 0;
    return batches;
  }

  #batch(order: Float64Array, start: number, end: number): PackedBatch<K> {
    const keys: K[] = [];
    let realTokens = 0;
    for (let i = start; i < end; i++) {
      const slot = order[i]! % SLOT_SCALE;
      keys.push(this.#keys[slot] as K);
      realTokens += this.#lengths[slot]!;
    }
    return { keys, paddedLength: this.#width(order[end - 1]!), realTokens };
  }

  /** Padded width of a batch whose longest row has this sort key. */
  #width(sortKey: number): number {
    const multiple = this.lengthMultiple;
    return Math.ceil(lengthOf(sortKey) / multiple) * multiple;
  }
}

function lengthOf(sortKey: number): number {
  return Math.floor(sortKey / SLOT_SCALE);
}

/** Options {@link resolveTokenPackerOptions} returned (frozen): a packer takes them as they are. */
const RESOLVED = new WeakSet<TokenPackerOptions>();

/** Fills in defaults and checks every option, throwing a TypeError that names the bad one. */
export function resolveTokenPackerOptions(options: TokenPackerOptions): ResolvedTokenPackerOptions {
  const resolved = { ...DEFAULT_TOKEN_PACKER, ...stripUndefined(options) };
  if (!Number.isInteger(resolved.tokenBudget) || resolved.tokenBudget < 1) {
    throw new TypeError(`options.tokenBudget must be a positive integer (got ${resolved.tokenBudget})`);
  }
  if (!Number.isInteger(resolved.window) || resolved.window < 1 || resolved.window > MAX_PACKING_WINDOW) {
    throw new TypeError(`options.window must be an integer in 1..${MAX_PACKING_WINDOW} (got ${resolved.window})`);
  }
  if (resolved.maxRows !== Infinity && (!Number.isInteger(resolved.maxRows) || resolved.maxRows < 1)) {
    throw new TypeError(`options.maxRows must be a positive integer or Infinity (got ${resolved.maxRows})`);
  }
  checkLengthMultiple(resolved.lengthMultiple);
  RESOLVED.add(Object.freeze(resolved));
  return resolved;
}

/**
 * Resolved options (a run plan's, checked once) at a backend's padding multiple: only the multiple, which
 * the backend describes, is new and checked; the budget, window and row cap are taken as they are.
 */
export function withLengthMultiple(resolved: ResolvedTokenPackerOptions, lengthMultiple: number): ResolvedTokenPackerOptions {
  if (!RESOLVED.has(resolved)) throw new TypeError('packing options must be what resolveTokenPackerOptions returned');
  if (lengthMultiple === resolved.lengthMultiple) return resolved;
  checkLengthMultiple(lengthMultiple);
  const next = Object.freeze({ ...resolved, lengthMultiple });
  RESOLVED.add(next);
  return next;
}

function checkLengthMultiple(lengthMultiple: number): void {
  if (!Number.isInteger(lengthMultiple) || lengthMultiple < 1 || lengthMultiple > MAX_LENGTH_MULTIPLE) {
    throw new TypeError(`options.lengthMultiple must be an integer in 1..${MAX_LENGTH_MULTIPLE} (got ${lengthMultiple})`);
  }
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
