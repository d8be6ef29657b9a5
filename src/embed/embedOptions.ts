import type { TokenBatch } from '../model/batches.js';
import { isInferenceBackend, type InferenceBackend } from '../model/inferenceBackend.js';
import { resolveInferencePoolOptions, type InferencePoolOptions } from '../model/inferencePool.js';
import { paddedLengthMultiple } from '../model/sessionSettings.js';
import type { EmbeddingModel } from '../model/modelSpec.js';
import { PackingStats } from '../packing/packingStats.js';
import {
  DEFAULT_TOKEN_PACKER,
  resolveTokenPackerOptions,
  withLengthMultiple,
  type ResolvedTokenPackerOptions,
} from '../packing/tokenPacker.js';
import type { Tokenizer } from '../tokenize/tokenizer.js';
import { padIdOf } from './encoderTokenizer.js';

/**
 * Packs at the pool per worker: one running and one queued behind it, so a worker never waits for the main
 * thread between two packs. More would only lengthen the pool's queue. Memory per pack in flight: its padded
 * ids and mask (16 B × rows × padded length, ≤ 256 KiB at the default budget) plus its pooled result.
 */
export const IN_FLIGHT_PER_WORKER = 2;

/**
 * How long the window may hold rows with no new input while no pack runs, before it is cut anyway (ms).
 * Input that trickles in (stdin from a slow producer) would otherwise wait for a full window; a busy pipeline
 * delivers batches far more often, and the stall rule (Credit.waiting) covers a pipeline blocked on credit.
 * 100 ms is too short for a person to notice and long enough to let the next batch arrive. Memory: none.
 */
export const DEFAULT_LINGER_MS = 100;

/**
 * Input batches an embedding stage works on at once: one whose packs run and one queued behind it, so the
 * pool never idles at a batch boundary. More would interleave their packs in the pool's queue and finish
 * them all late together: the first rows (stdout) and the first commit (-o) would wait for the whole
 * window. Memory: none of its own (the batches hold credit).
 */
export const EMBED_BATCHES_IN_FLIGHT = 2;

/** A model given to an embedding operator to start its own pool: a bundle encoder, or one written by hand. */
export type EmbedModel = EmbeddingModel & { readonly maxTokens?: number };

export interface EmbedOptions {
  /** Tokenizes the rows: an Esm2Tokenizer for proteins, the DNABERT-S BpeTokenizer for DNA (loadEncoderTokenizer). */
  readonly tokenizer: Tokenizer;
  /** A started backend (an InferencePool, or any InferenceBackend; shared: never closed here). Give this or `model`. */
  readonly pool?: InferenceBackend<TokenBatch>;
  /** A model to start a pool for on subscribe, closed on complete, error or unsubscribe. Give this or `pool`. */
  readonly model?: EmbedModel;
  /** Options of the pool started for `model` (workers, intra-op threads, provider). Default: the pool's defaults. */
  readonly poolOptions?: InferencePoolOptions;
  /** Id that right-pads rows. Default: the tokenizer's (`<pad>` = 1 for ESM-2, `[PAD]` = 3 for DNABERT-S). */
  readonly padId?: number;
  /** Longest row in tokens (specials included); longer rows fail with ROW_TOO_LONG. Default: the model's, else none. */
  readonly maxTokens?: number;
  /** Most padded tokens (rows × longest row) per pack. Default 16 384. */
  readonly tokenBudget?: number;
  /** Rows the packer sorts before it cuts. Default 8 192. */
  readonly window?: number;
  /** Most rows per pack. Default: no cap. */
  readonly maxRows?: number;
  /**
   * Packing resolved ahead (a run plan's, from resolveTokenPackerOptions), used as it is: give this or
   * tokenBudget / window / maxRows. Only the padding multiple (the backend's, or `lengthMultiple`) is added.
   */
  readonly packing?: ResolvedTokenPackerOptions;
  /** Packs are padded to a multiple of this many tokens. Default: what the backend asks for (4 on CUDA, else 1). */
  readonly lengthMultiple?: number;
  /** Packs at the pool at once. Default workers × 2. */
  readonly maxInFlight?: number;
  /** Cut the window after this many ms without input while no pack runs; Infinity: never. Default 100. */
  readonly lingerMs?: number;
  /** Filled with every pack sent to the model (real vs padded tokens). Default: none. */
  readonly stats?: PackingStats;
  /** Aborting errors the stream with the signal's reason and drops the packs in flight. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_EMBED = {
  tokenBudget: DEFAULT_TOKEN_PACKER.tokenBudget,
  window: DEFAULT_TOKEN_PACKER.window,
  maxRows: DEFAULT_TOKEN_PACKER.maxRows,
  lingerMs: DEFAULT_LINGER_MS,
} as const satisfies Partial<EmbedOptions>;

export interface ResolvedEmbedOptions {
  readonly tokenizer: Tokenizer;
  /** The backend to use, or the model (and options) to start a worker pool for. */
  readonly pool:
    { readonly started: InferenceBackend<TokenBatch> } | { readonly model: EmbedModel; readonly options: InferencePoolOptions };
  /** Token id that right-pads rows (DNABERT-S `[PAD]` = 3, ESM-2 `<pad>` = 1). */
  readonly padId: number;
  /** Width of a pooled row. */
  readonly hiddenSize: number;
  /** Longest row the model takes (tokens, specials included); Infinity when the bundle sets none. */
  readonly maxTokens: number;
  readonly packing: ResolvedTokenPackerOptions;
  /** Packs sent to the pool and not yet answered, at most. */
  readonly maxInFlight: number;
  /** Flush the window after this long without input while no pack runs (ms); Infinity: never. */
  readonly lingerMs: number;
  readonly stats: PackingStats | undefined;
  readonly signal: AbortSignal | undefined;
}

/** Options this module resolved (and froze): resolving them again returns them as they are. */
const RESOLVED = new WeakSet<ResolvedEmbedOptions>();

function resolved(options: ResolvedEmbedOptions): ResolvedEmbedOptions {
  const frozen = Object.freeze(options);
  RESOLVED.add(frozen);
  return frozen;
}

/**
 * Fills in defaults and checks every option, throwing a TypeError that names the bad one. Options it already
 * resolved are returned as they are: a pipeline resolves once and starts an operator per input batch.
 */
export function resolveEmbedOptions(given: EmbedOptions | ResolvedEmbedOptions): ResolvedEmbedOptions {
  if (RESOLVED.has(given as ResolvedEmbedOptions)) return given as ResolvedEmbedOptions;
  const options = given as EmbedOptions;
  const { tokenizer, pool, model, stats, signal } = options;
  if (typeof tokenizer?.encodeInto !== 'function' || typeof tokenizer.maxTokens !== 'function') {
    throw new TypeError('options.tokenizer must be a Tokenizer (Esm2Tokenizer, or loadBpeTokenizer / loadEncoderTokenizer for DNA)');
  }
  if ((pool === undefined) === (model === undefined)) throw new TypeError('give exactly one of options.pool and options.model');
  if (pool !== undefined && !isInferenceBackend(pool)) {
    throw new TypeError('options.pool must be an InferencePool (startInferencePool) or another InferenceBackend');
  }
  if (pool !== undefined && options.poolOptions !== undefined) {
    throw new TypeError('options.poolOptions cannot be combined with options.pool (the pool is already started)');
  }
  const spec = pool?.model ?? model!;
  if (spec.kind !== 'embedding') throw new TypeError(`options.${pool ? 'pool' : 'model'} must be an embedding model, not a ${spec.kind}`);
  const ownPool = pool === undefined ? resolveInferencePoolOptions(options.poolOptions ?? {}) : undefined;
  const concurrency = pool?.concurrency ?? ownPool!.workers;

  const padId = options.padId ?? padIdOf(tokenizer);
  if (padId === undefined || !Number.isInteger(padId) || padId < 0 || padId >= tokenizer.vocabSize) {
    throw new TypeError(
      `options.padId must be a token id in 0..${tokenizer.vocabSize - 1} (got ${String(padId)}; ` +
        'the tokenizer has no [PAD] token to default to)',
    );
  }
  const maxTokens = options.maxTokens ?? (spec as EmbedModel).maxTokens ?? Infinity;
  if (maxTokens !== Infinity && (!Number.isSafeInteger(maxTokens) || maxTokens < 1)) {
    throw new TypeError(`options.maxTokens must be a positive integer (got ${String(maxTokens)})`);
  }
  const lengthMultiple =
    options.lengthMultiple ?? (pool !== undefined ? pool.paddedLengthMultiple : paddedLengthMultiple(ownPool!.settings.executionProvider));
  const packing =
    options.packing === undefined
      ? resolveTokenPackerOptions({ tokenBudget: options.tokenBudget, window: options.window, maxRows: options.maxRows, lengthMultiple })
      : plannedPacking(options, options.packing, lengthMultiple);
  const maxInFlight = options.maxInFlight ?? concurrency * IN_FLIGHT_PER_WORKER;
  if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1) {
    throw new TypeError(`options.maxInFlight must be an integer >= 1 (got ${String(maxInFlight)})`);
  }
  const lingerMs = options.lingerMs ?? DEFAULT_EMBED.lingerMs;
  if (typeof lingerMs !== 'number' || Number.isNaN(lingerMs) || lingerMs < 0) {
    throw new TypeError(`options.lingerMs must be a number >= 0 or Infinity (got ${String(lingerMs)})`);
  }
  if (stats !== undefined && !(stats instanceof PackingStats)) throw new TypeError('options.stats must be a PackingStats');
  return resolved({
    tokenizer,
    pool: pool ? { started: pool } : { model: model!, options: options.poolOptions ?? {} },
    padId,
    hiddenSize: spec.hiddenSize,
    maxTokens,
    packing,
    maxInFlight,
    lingerMs,
    stats,
    signal,
  });
}

/** Packing resolved ahead, at the backend's padding multiple: its budget, window and row cap are not checked again. */
function plannedPacking(
  options: EmbedOptions,
  packing: ResolvedTokenPackerOptions,
  lengthMultiple: number | undefined,
): ResolvedTokenPackerOptions {
  const given = (['tokenBudget', 'window', 'maxRows'] as const).filter((name) => options[name] !== undefined);
  if (given.length > 0) throw new TypeError(`options.packing cannot be combined with options.${given.join(', options.')}`);
  return withLengthMultiple(packing, lengthMultiple ?? DEFAULT_TOKEN_PACKER.lengthMultiple);
}

/** The same resolved options with another abort signal (each input batch's own), not checked again. */
export function withEmbedSignal(options: ResolvedEmbedOptions, signal: AbortSignal): ResolvedEmbedOptions {
  return resolved({ ...options, signal });
}
