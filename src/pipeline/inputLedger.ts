import { createHash } from 'node:crypto';
import { VirnucproError } from '../errors.js';
import { EMPTY_FINGERPRINT, hashRecords, type InputCheckpoint } from '../fasta/inputCheckpoint.js';
import type { RecordBatch } from '../fasta/recordBatch.js';
import type { ChunkNames } from '../sequence/chunkBatch.js';
import { chunkCount } from '../sequence/chunking.js';

/**
 * Which input records a pipeline's outputs account for. The source side admits every record batch (in
 * order); the output side settles every batch that reaches it (in order). A record batch is complete when
 * the output has seen all its chunks, possibly over several parts: only then do its records count as
 * consumed. This gives the resumable writer its commit points (always at record boundaries) and checks,
 * for a few counters per batch, that every input batch reaches the output exactly once and in order.
 */

interface Admitted {
  /** Identity of the batch: every chunk and frame batch made from it carries this same array. */
  readonly ids: readonly string[];
  readonly chunks: number;
  /** Sequence bases of its records. */
  readonly bases: number;
  readonly checkpoint: InputCheckpoint;
  settledChunks: number;
}

export interface InputLedgerOptions {
  /** Chunk length the chunker uses: gives each record's chunk count. */
  readonly chunkLength: number;
  /** Resume: the committed position to skip to; its fingerprint is checked when the input reaches it. */
  readonly resumeFrom?: InputCheckpoint | undefined;
  /** Input name for messages. */
  readonly source: string;
}

export class InputLedger {
  readonly #chunkLength: number;
  readonly #source: string;
  readonly #hash = createHash('sha256');
  readonly #admitted: Admitted[] = [];
  readonly #skipTo: InputCheckpoint | undefined;
  /** Records hashed so far (skipped ones included). */
  #records = 0;
  #settled: InputCheckpoint;
  /** Bases of the records skipped (resume) or whose record batch is complete. */
  #doneBases = 0;

  constructor(options: InputLedgerOptions) {
    this.#chunkLength = options.chunkLength;
    this.#source = options.source;
    this.#skipTo = options.resumeFrom;
    this.#settled = { records: 0, fingerprint: EMPTY_FINGERPRINT };
    if (this.#skipTo?.records === 0 && this.#skipTo.fingerprint !== EMPTY_FINGERPRINT)
      throw this.#mismatch('an empty prefix cannot have that fingerprint');
  }

  /** The last position whose outputs have all been settled. */
  get settled(): InputCheckpoint {
    return this.#settled;
  }

  /**
   * Input bases whose results have all reached the output (a resumed run's skipped records included): whole
   * record batches, plus the oldest unsettled one's share of bases by the share of its chunks settled. What
   * progress counts as work finished; exact at every record batch boundary.
   */
  get settledBases(): number {
    const head = this.#admitted[0];
    return this.#doneBases + (head === undefined ? 0 : Math.floor((head.bases * head.settledChunks) / head.chunks));
  }

  /** Record batches admitted and not yet fully settled. */
  get pending(): number {
    return this.#admitted.length;
  }

  /**
   * Skips the records a resumed run already committed, checking their fingerprint once the input reaches
   * the committed position. Returns the records still to process (a view, possibly `batch` itself), or
   * undefined when the whole batch was committed before.
   */
  skipCommitted(batch: RecordBatch): RecordBatch | undefined {
    const target = this.#skipTo?.records ?? 0;
    if (this.#records >= target) return batch;
    const skip = Math.min(batch.count, target - this.#records);
    hashRecords(this.#hash, batch, 0, skip);
    this.#records += skip;
    this.#doneBases += batch.starts[skip]! - batch.starts[0]!;
    if (this.#records === target) {
      const fingerprint = this.#hash.copy().digest('hex');
      if (fingerprint !== this.#skipTo!.fingerprint)
        throw this.#mismatch(`its first ${target} records differ from the ones already processed`);
      this.#settled = { records: target, fingerprint };
    }
    return skip === batch.count ? undefined : sliceRecords(batch, skip);
  }

  /** Called at the end of input: a resumed run's input must reach its committed position. */
  endOfInput(): void {
    const target = this.#skipTo?.records ?? 0;
    if (this.#records < target) {
      throw this.#mismatch(`it has ${this.#records} records, but the interrupted run had already processed ${target}`);
    }
  }

  /** Registers a record batch entering the pipeline (after {@link skipCommitted}). */
  admit(batch: RecordBatch): void {
    hashRecords(this.#hash, batch, 0, batch.count);
    this.#records += batch.count;
    this.#admitted.push({
      ids: batch.ids,
      chunks: recordBatchChunks(batch, this.#chunkLength),
      bases: batch.starts[batch.count]! - batch.starts[0]!,
      checkpoint: { records: this.#records, fingerprint: this.#hash.copy().digest('hex') },
      settledChunks: 0,
    });
  }

  /**
   * Registers a batch reaching the output (its chunk naming data says which record batch it came from and
   * how many chunks it holds). Returns the new position when this completes its record batch. A batch from
   * any other record batch than the oldest unsettled one, or more chunks than it has, is an INTERNAL error.
   */
  settle(chunks: ChunkNames): InputCheckpoint | undefined {
    const head = this.#admitted[0];
    if (head === undefined || head.ids !== chunks.ids) {
      throw new VirnucproError(
        'INTERNAL',
        `a batch of ${chunks.source} reached the output ${head === undefined ? 'after every input batch was complete' : 'out of order'}`,
        {
          hint: 'every input batch must reach the output exactly once and in order: a stage dropped, duplicated or reordered batches',
        },
      );
    }
    head.settledChunks += chunks.recordIndex.length;
    if (head.settledChunks > head.chunks) {
      throw new VirnucproError(
        'INTERNAL',
        `${head.settledChunks} chunks of an input batch of ${chunks.source} reached the output, but it has ${head.chunks}`,
      );
    }
    if (head.settledChunks < head.chunks) return undefined;
    this.#admitted.shift();
    this.#doneBases += head.bases;
    this.#settled = head.checkpoint;
    return head.checkpoint;
  }

  /** Called when the output has completed: every admitted batch must have been settled. */
  finish(): void {
    const head = this.#admitted[0];
    if (head !== undefined) {
      throw new VirnucproError(
        'INTERNAL',
        `${this.#admitted.length} input batch(es) of ${this.#source} never fully reached the output ` +
          `(${head.settledChunks} of ${head.chunks} chunks of the first)`,
        {
          hint: 'a stage dropped batches: this is a bug, please report it with the command line',
        },
      );
    }
  }

  #mismatch(detail: string): VirnucproError {
    return new VirnucproError('RESUME_MISMATCH', `${this.#source} is not the input of the interrupted run: ${detail}`, {
      hint: 'resume with the same input, or start over with --force',
    });
  }
}

/** Chunks a record batch is cut into at `chunkLength` (spec section 2: ceil(L / c) per record). */
export function recordBatchChunks(batch: RecordBatch, chunkLength: number): number {
  let chunks = 0;
  for (let r = 0; r < batch.count; r++) chunks += chunkCount(batch.starts[r + 1]! - batch.starts[r]!, chunkLength);
  return chunks;
}

/** Records [from, count) of a batch: views on its buffers, offsets rebased to the new first record. */
export function sliceRecords(batch: RecordBatch, from: number): RecordBatch {
  const base = batch.starts[from]!;
  const starts = batch.starts.slice(from).map((offset) => offset - base);
  return {
    bases: batch.bases.subarray(base, batch.starts[batch.count]!),
    starts,
    ids: batch.ids.slice(from),
    headerLines: batch.headerLines.subarray(from),
    count: batch.count - from,
    source: batch.source,
  };
}
