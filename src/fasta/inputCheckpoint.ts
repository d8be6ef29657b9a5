import { createHash, type Hash } from 'node:crypto';
import type { RecordBatch } from './recordBatch.js';

/**
 * A position in a FASTA input that a resumable run can continue from: the records consumed and a sha256
 * over them, so that a resume can check it reads the same input. The pipeline's ledger computes it, the
 * output directory commits it.
 */

/** How far the input has been consumed: records from its start, and the sha256 of those records. */
export interface InputCheckpoint {
  /** Records (non-empty FASTA records, as the reader emits them) whose every output has been emitted. */
  readonly records: number;
  /** sha256 (hex) over `id \n sequence \n` of those records, in order. */
  readonly fingerprint: string;
}

/** The fingerprint of no record. */
export const EMPTY_FINGERPRINT = createHash('sha256').digest('hex');

const NEWLINE = Buffer.from('\n');

/** Appends records [from, to) of `batch` to a running input fingerprint. */
export function hashRecords(hash: Hash, batch: RecordBatch, from: number, to: number): void {
  for (let r = from; r < to; r++) {
    hash.update(batch.ids[r]!, 'latin1');
    hash.update(NEWLINE);
    hash.update(batch.bases.subarray(batch.starts[r]!, batch.starts[r + 1]!));
    hash.update(NEWLINE);
  }
}
