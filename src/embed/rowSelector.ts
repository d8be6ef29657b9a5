import type { ErrorPosition } from '../errors.js';
import type { RecordBatch } from '../fasta/recordBatch.js';
import type { EncoderInput } from '../model/manifest.js';
import { frameId, type FrameBatch } from '../sequence/frameBatch.js';

/** One batch's rows, columnar: row i is `bytes[starts[i], starts[i + 1])`. Views on the batch, never copies. */
export interface RowTable {
  readonly count: number;
  readonly bytes: Uint8Array;
  /** Length `count + 1`. */
  readonly starts: Uint32Array;
}

/**
 * Which bytes of an upstream batch an embedding stage embeds, one row per item. This is what lets one
 * embedding implementation serve frame nucleotides (DNABERT-S), frame proteins (ESM-2) and whole records
 * (`virnucpro embed`).
 */
export interface RowSelector<B> {
  /** What a row is, for messages ('frame nucleotide sequence'). */
  readonly what: string;
  /**
   * Rows are upper-cased before tokenizing (into scratch: the batch is not modified). Needed for input
   * read as is; frames are upper case already.
   */
  readonly upperCase: boolean;
  rows(batch: B): RowTable;
  /** Where row i came from, for errors (a too-long row, a non-ASCII byte). */
  position(batch: B, i: number): ErrorPosition;
}

function framePosition(batch: FrameBatch, i: number): ErrorPosition {
  return { file: batch.chunks.source, recordId: frameId(batch, i) };
}

/** The nucleotide slice of each kept frame (spec §4): what the original sends to DNABERT-S. */
export const FRAME_NUCLEOTIDES: RowSelector<FrameBatch> = {
  what: 'frame nucleotide sequence',
  upperCase: false,
  rows: (batch) => ({ count: batch.count, bytes: batch.nucleotides, starts: batch.nucleotideStarts }),
  position: framePosition,
};

/** The protein of each kept frame: what the original sends to ESM-2. */
export const FRAME_PROTEINS: RowSelector<FrameBatch> = {
  what: 'frame protein',
  upperCase: false,
  rows: (batch) => ({ count: batch.count, bytes: batch.proteins, starts: batch.proteinStarts }),
  position: framePosition,
};

/** What an encoder embeds of each kept frame, by what the bundle says it reads (BundleEncoder.reads). */
export const FRAME_ROWS: Readonly<Record<EncoderInput, RowSelector<FrameBatch>>> = {
  nucleotides: FRAME_NUCLEOTIDES,
  protein: FRAME_PROTEINS,
};

/** Each FASTA record's whole sequence, upper-cased (`virnucpro embed`: one embedding per record). */
export const RECORD_SEQUENCES: RowSelector<RecordBatch> = {
  what: 'sequence',
  upperCase: true,
  rows: (batch) => ({ count: batch.count, bytes: batch.bases, starts: batch.starts }),
  position: (batch, i) => ({ file: batch.source, line: batch.headerLines[i]!, recordId: batch.ids[i]! }),
};
