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
 * A batch being tokenized a slice at a time. Rows `0 .. next − 1` are done; their ids stay where they are
 * until the last row is done, when `ids` is replaced by an exact-size copy (DNABERT-S BPE averages ~0.2
 * tokens per base: the worst-case buffer would hold 5× the memory for the batch's life).
 */
export interface RowJob<B> extends RowTokens {
  readonly batch: B;
  readonly count: number;
  /** Rows tokenized so far. */
  readonly next: number;
}

interface MutableJob<B> {
  readonly batch: B;
  readonly count: number;
  ids: Int32Array;
  readonly starts: Uint32Array;
  next: number;
  /** The rows' bytes (upper-cased when the selector asks) and where each starts. */
  readonly bytes: Uint8Array;
  readonly byteStarts: Uint32Array;
}

/**
 * Tokenizes batches of rows for an embedding stage, in slices of about `byteBudget` bytes so that the stage
 * can hand results to the model workers between slices (a 1 MiB batch of DNA is ~100 ms of BPE work).
 */
export class RowTokenizer<B> {
  readonly #tokenizer: Tokenizer;
  readonly #selector: RowSelector<B>;
  /** Rows longer than this many tokens are refused (the model's maxTokens); Infinity for none. */
  readonly #maxTokens: number;

  constructor(tokenizer: Tokenizer, selector: RowSelector<B>, maxTokens: number) {
    this.#tokenizer = tokenizer;
    this.#selector = selector;
    this.#maxTokens = maxTokens;
  }

  /** Prepares `batch`: its id buffer sized for the worst case and, when the selector asks, its upper-cased bytes. */
  begin(batch: B): RowJob<B> {
    const { count, bytes, starts: byteStarts } = this.#selector.rows(batch);
    let capacity = 0;
    for (let i = 0; i < count; i++) capacity += this.#tokenizer.maxTokens(byteStarts[i + 1]! - byteStarts[i]!);
    const job: MutableJob<B> = {
      batch,
      count,
      ids: new Int32Array(capacity),
      starts: new Uint32Array(count + 1),
      next: 0,
      bytes: this.#selector.upperCase ? upperCased(bytes, byteStarts[count]!) : bytes,
      byteStarts,
    };
    return job;
  }

  /**
   * Tokenizes rows of `job` from `job.next` until at least `byteBudget` bytes are done or the batch is,
   * calling `onRow(row, tokens)` for each. Returns the bytes done (a row counts its length + 1, so empty rows
   * count too). When the last row is done, `job.ids` is replaced by an exact-size copy.
   * Errors: the tokenizer's (TOKENIZER_INPUT for a non-ASCII byte) and ROW_TOO_LONG, positioned on the row.
   */
  continue(job: RowJob<B>, byteBudget: number, onRow: (row: number, tokens: number) => void): number {
    const state = job as MutableJob<B>;
    const { bytes, byteStarts, starts, count } = state;
    let done = 0;
    let row = state.next;
    for (; row < count && done < byteBudget; row++) {
      const from = byteStarts[row]!;
      const to = byteStarts[row + 1]!;
      const tokens = this.#encode(state, row, bytes.subarray(from, to), starts[row]!);
      starts[row + 1] = starts[row]! + tokens;
      done += to - from + 1;
      state.next = row + 1;
      onRow(row, tokens);
    }
    if (state.next === count) state.ids = state.ids.slice(0, starts[count]!);
    return done;
  }

  /** The whole batch at once. */
  tokenize(batch: B): RowTokens {
    const job = this.begin(batch);
    this.continue(job, Infinity, () => undefined);
    return { ids: job.ids, starts: job.starts };
  }

  #encode(job: MutableJob<B>, row: number, bytes: Uint8Array, at: number): number {
    let tokens: number;
    try {
      tokens = this.#tokenizer.encodeInto(bytes, job.ids, at);
    } catch (error) {
      if (!(error instanceof VirnucproError)) throw error;
      throw new VirnucproError(error.code, error.message, {
        position: this.#selector.position(job.batch, row),
        ...(error.hint !== undefined ? { hint: error.hint } : {}),
        cause: error,
      });
    }
    if (tokens > this.#maxTokens) {
      throw new VirnucproError(
        'ROW_TOO_LONG',
        `${this.#selector.what} of ${tokens} tokens is longer than the model takes (maxTokens ${this.#maxTokens})`,
        {
          position: this.#selector.position(job.batch, row),
          hint:
            "the bundle's maxTokens is the longest row the model was exported for: split such sequences before " +
            'embedding them, or use a model that takes longer rows (docs/model-bundle.md)',
        },
      );
    }
    return tokens;
  }
}

/** The first `length` bytes upper-cased, in a new array (the batch's own bytes are left as they are). */
function upperCased(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = UPPER[bytes[i]!]!;
  return out;
}
