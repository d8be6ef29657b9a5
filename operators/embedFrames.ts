import type { OperatorFunction } from 'rxjs';
import type { EmbedOptions, ResolvedEmbedOptions } from '../src/embed/embedOptions.js';
import { FRAME_NUCLEOTIDES, FRAME_PROTEINS } from '../src/embed/rowSelector.js';
import type { Leased } from '../src/flow/credit.js';
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

/** Options of {@link embedNucleotides} and {@link embedProteins}: {@link EmbedOptions}, or what resolveEmbedOptions made of them (used as they are). */
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
  return embedRows<B, DnaEmbedded<B>>(
    FRAME_NUCLEOTIDES,
    (batch, dnaEmbeddings, dnaHidden) => ({ ...batch, dnaEmbeddings, dnaHidden }),
    options,
  );
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
  return embedRows<B, ProteinEmbedded<B>>(
    FRAME_PROTEINS,
    (batch, proteinEmbeddings, proteinHidden) => ({ ...batch, proteinEmbeddings, proteinHidden }),
    options,
  );
}
