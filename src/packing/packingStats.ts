import type { PackedBatch } from './tokenPacker.js';

/**
 * Padding efficiency of one batch: real tokens / (rows × padded length), in 0..1. This is the honest figure:
 * the v2.0 refactor's "358 %" divided by a budget four times smaller than the one it ran with.
 */
export function batchEfficiency(batch: PackedBatch<unknown>): number {
  return batch.realTokens / (batch.keys.length * batch.paddedLength);
}

/** What {@link PackingStats.toJSON} returns: the packing block of a run summary. */
export interface PackingStatsJSON {
  readonly batches: number;
  readonly rows: number;
  /** Tokens of the rows themselves, specials included. */
  readonly realTokens: number;
  /** Tokens the model computed on: Σ rows × padded length. */
  readonly paddedTokens: number;
  /** paddedTokens − realTokens. */
  readonly paddingTokens: number;
  /** realTokens / paddedTokens (a fraction, 6 decimals); null before the first batch. */
  readonly efficiency: number | null;
  readonly meanRowsPerBatch: number | null;
}

/**
 * Running totals over the batches a stage sent to its model. Overall efficiency is Σ real / Σ padded, so a
 * large batch weighs more than a small one (it costs more compute), unlike a mean of per-batch ratios.
 */
export class PackingStats {
  #batches = 0;
  #rows = 0;
  #realTokens = 0;
  #paddedTokens = 0;

  record(batch: PackedBatch<unknown>): void {
    this.#batches += 1;
    this.#rows += batch.keys.length;
    this.#realTokens += batch.realTokens;
    this.#paddedTokens += batch.keys.length * batch.paddedLength;
  }

  get batches(): number {
    return this.#batches;
  }

  get rows(): number {
    return this.#rows;
  }

  get realTokens(): number {
    return this.#realTokens;
  }

  get paddedTokens(): number {
    return this.#paddedTokens;
  }

  get paddingTokens(): number {
    return this.#paddedTokens - this.#realTokens;
  }

  /** Σ real / Σ padded in 0..1; NaN before the first batch (nothing was computed, nothing was wasted). */
  get efficiency(): number {
    return this.#realTokens / this.#paddedTokens;
  }

  toJSON(): PackingStatsJSON {
    const empty = this.#batches === 0;
    return {
      batches: this.#batches,
      rows: this.#rows,
      realTokens: this.#realTokens,
      paddedTokens: this.#paddedTokens,
      paddingTokens: this.paddingTokens,
      efficiency: empty ? null : round(this.efficiency, 6),
      meanRowsPerBatch: empty ? null : round(this.#rows / this.#batches, 2),
    };
  }
}

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}
