import type { OperatorFunction } from 'rxjs';
import type { EmbedOptions, ResolvedEmbedOptions } from '../src/embed/embedOptions.js';
import { embeddingFields, type EncoderEmbeddings } from '../src/classify/classification.js';
import { FRAME_ROWS } from '../src/embed/rowSelector.js';
import type { Leased } from '../src/flow/credit.js';
import type { EncoderInput } from '../src/model/manifest.js';
import type { FrameBatch } from '../src/sequence/frameBatch.js';
import { embedRows } from './embedRows.js';

/** A frame batch with the DNABERT-S embedding of every kept frame: row i of `dnaEmbeddings` is frame i. */
export type DnaEmbedded<B extends Leased = FrameBatch & Leased> = B & {
  /** float32 [count, dnaHidden], row-major. */
  readonly dnaEmbeddings: Float32Array;
  readonly dnaHidden: number;
};

/** A frame batch with the ESM-2 embedding of every kept frame: row i of `proteinEmbeddings` is frame i. */
export type ProteinEmbedded<B extends Leased = FrameBatch & Leased> = B & {
  /** float32 [count, proteinHidden], row-major. */
  readonly proteinEmbeddings: Float32Array;
  readonly proteinHidden: number;
};

/** A frame batch with encoder `N`'s embedding of every kept frame, in `${N}Embeddings` and `${N}Hidden`. */
export type Embedded<N extends string, B extends Leased = FrameBatch & Leased> = B & EncoderEmbeddings<N>;

/** Options of {@link embedFrames}, {@link embedNucleotides} and {@link embedProteins}: {@link EmbedOptions}, or what resolveEmbedOptions made of them (used as they are). */
export type EmbedFramesOptions = EmbedOptions | ResolvedEmbedOptions;

/**
 * DNABERT-S features of every kept frame (spec §5): its nucleotide slice as the original sends it, tokenized
 * with the model's BPE, mean over all tokens ([CLS] and [SEP] included), batched by token length.
 *
 * @example
 * import { embedNucleotides } from 'virnucpro/operators';
 * frames.pipe(embedNucleotides({ tokenizer: bundle.tokenizers.dna, model: bundle.dna }));
 *
 * @param options see embedRows: tokenizer (required); pool, or model + poolOptions (own pool); tokenBudget
 *   (default 16 384 tokens); window (default 8 192 rows); maxRows; maxInFlight (default workers × 2);
 *   lingerMs (default 100 ms); maxTokens (default the model's); stats; signal.
 *
 * Memory: as embedRows; the added matrix is 4 B × dnaHidden per frame (3 KiB for the real 768-wide model).
 * Order: batches in input order, each with its lease; row i of dnaEmbeddings is frame i.
 * @see ./embedRows.ts, embedProteins, docs/adr/0004-embedding-stage.md
 */
export function embedNucleotides<B extends FrameBatch & Leased>(options: EmbedFramesOptions): OperatorFunction<B, DnaEmbedded<B>> {
  return embedFrames({ label: 'dna', reads: 'nucleotides' }, options);
}

/**
 * ESM-2 features of every kept frame (spec §6): its protein, `<cls>` + residues + `<eos>`, mean over
 * residues 1..min(1024, P), batched by token length.
 *
 * @example
 * import { embedProteins } from 'virnucpro/operators';
 * frames.pipe(embedNucleotides(dnaOptions), embedProteins({ tokenizer: new Esm2Tokenizer(), pool: esmPool }));
 *
 * @param options see embedRows: tokenizer (required); pool, or model + poolOptions (own pool); tokenBudget
 *   (default 16 384 tokens); window (default 8 192 rows); maxRows; maxInFlight (default workers × 2);
 *   lingerMs (default 100 ms); maxTokens (default the model's); stats; signal.
 *
 * Memory: as embedRows; the added matrix is 4 B × proteinHidden per frame (10 KiB for ESM-2 3B).
 * Order: batches in input order, each with its lease; row i of proteinEmbeddings is frame i.
 * @see ./embedRows.ts, embedNucleotides, docs/adr/0004-embedding-stage.md
 */
export function embedProteins<B extends FrameBatch & Leased>(options: EmbedFramesOptions): OperatorFunction<B, ProteinEmbedded<B>> {
  return embedFrames({ label: 'protein', reads: 'protein' }, options);
}

/**
 * One encoder's features of every kept frame, for any encoder a bundle lists (`bundle.encoders`): the rows
 * it reads (`reads`: the frame's nucleotides or its protein) tokenized, packed and pooled as embedRows does,
 * added to each batch as `${label}Embeddings` and `${label}Hidden`. What `predict` runs once per encoder, in
 * the bundle's order; embedNucleotides and embedProteins are it for `dna` and `protein`.
 *
 * @example
 * const stage = embedFrames(bundle.protein, { tokenizer: bundle.tokenizers.protein, model: bundle.protein });
 *
 * Memory: as embedRows; the added matrix is 4 B × hidden size per frame.
 * Order: batches in input order, each with its lease; row i of the matrix is frame i.
 */
export function embedFrames<N extends string, B extends FrameBatch & Leased>(
  encoder: { readonly label: N; readonly reads: EncoderInput },
  options: EmbedFramesOptions,
): OperatorFunction<B, Embedded<N, B>> {
  const fields = embeddingFields(encoder.label);
  return embedRows<B, Embedded<N, B>>(
    FRAME_ROWS[encoder.reads],
    (batch, embeddings, hidden) => ({ ...batch, [fields.values]: embeddings, [fields.hidden]: hidden }) as Embedded<N, B>,
    options,
  );
}
