import type { OperatorFunction } from 'rxjs';
import type { EmbedOptions } from '../src/embed/embedOptions.js';
import { RECORD_SEQUENCES } from '../src/embed/rowSelector.js';
import type { RecordBatch } from '../src/fasta/recordBatch.js';
import type { Leased } from '../src/flow/credit.js';
import { embedRows } from './embedRows.js';
import type { FastaBatch } from './readFasta.js';

/** A record batch with one embedding per record: row i of `embeddings` is record i. */
export type SequenceEmbedded<B extends Leased = FastaBatch> = B & {
  /** float32 [count, hidden], row-major. */
  readonly embeddings: Float32Array;
  readonly hidden: number;
};

/**
 * One embedding per FASTA record, of its whole sequence upper-cased (what `virnucpro embed` prints): DNA with
 * DNABERT-S (mean over all tokens), protein with ESM-2 (mean over residues 1..min(1024, P)), whatever pool
 * or model is given. Read protein FASTA with `readFasta(input, { alphabet: 'protein' })`.
 *
 * @example
 * import { embedSequences, readFasta } from 'virnucpro/operators';
 * readFasta('reads.fa').pipe(embedSequences({ tokenizer, pool, maxTokens: 1026 }));
 *
 * @param options see embedRows: tokenizer (required); pool, or model + poolOptions (own pool); tokenBudget
 *   (default 16 384 tokens); window (default 8 192 rows); maxRows; maxInFlight (default workers × 2);
 *   lingerMs (default 100 ms); maxTokens (default the model's); stats; signal.
 *
 * Memory: as embedRows, plus the scratch the upper-casing uses (the largest batch's bases, once); the added
 * matrix is 4 B × hidden per record.
 * Order: batches and records in input order, each batch with its lease.
 * @see ./embedRows.ts, ../src/cli/embedCommand.ts, docs/adr/0004-embedding-stage.md
 */
export function embedSequences<B extends RecordBatch & Leased>(options: EmbedOptions): OperatorFunction<B, SequenceEmbedded<B>> {
  return embedRows<B, SequenceEmbedded<B>>(RECORD_SEQUENCES, (batch, embeddings, hidden) => ({ ...batch, embeddings, hidden }), options);
}
