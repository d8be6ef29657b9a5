/**
 * A batch of FASTA records in columnar form: one byte buffer for all sequences plus offsets. This is the
 * unit the reader yields and the pipeline moves (records are never individual JS objects on the hot path).
 *
 * `bases` is a view on an ArrayBuffer the reader allocated itself (never Node's shared Buffer pool), so a
 * stage may transfer it to a worker thread.
 */
export interface RecordBatch {
  /** All sequences of the batch back to back: lines joined, spaces and `\r` removed, case as read. */
  readonly bases: Uint8Array;
  /** Record i is `bases.subarray(starts[i], starts[i + 1])`; length is `count + 1`. */
  readonly starts: Uint32Array;
  /** Record ids (header text after `>` up to the first whitespace). */
  readonly ids: readonly string[];
  /** 1-based line number of each record's header, for error messages. */
  readonly headerLines: Uint32Array;
  /** Number of records. */
  readonly count: number;
  /** Input name for messages: a path, or `-` for stdin. */
  readonly source: string;
  /**
   * True when `bases.buffer` belongs to this batch alone (the reader allocates one per batch, never a view of
   * a buffer it reuses), so that a stage may transfer it to a worker. Absent: assume it is shared.
   */
  readonly ownsBases?: boolean;
}

/** Record i's sequence bytes (a view, no copy). */
export function recordBases(batch: RecordBatch, i: number): Uint8Array {
  return batch.bases.subarray(batch.starts[i]!, batch.starts[i + 1]!);
}
