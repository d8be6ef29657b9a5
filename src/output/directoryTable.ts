import type { CallCounts } from '../classify/callCounts.js';
import type { ClassifiedFrames } from '../classify/classification.js';
import type { ConsensusRows } from '../classify/consensus.js';
import type { RecordCall } from '../classify/recordCalls.js';

/**
 * An optional table of `predict -o DIR`, described once: the directory creates, commits, checks and resumes
 * it like its other files (src/output/predictionDirectory.ts), the sink counts its rows for the summary, and
 * `virnucpro merge` concatenates the parts' tables (src/output/shardMerge.ts). So a table's rows must be in
 * input order and depend on nothing but the batch they come from: a resume cuts a table back to a commit and
 * redoes whole input batches, and merge joins shards' tables end to end.
 */

/** What a table's rows are made from: one batch as written, and the input records it completes. */
export interface TableBatch {
  readonly batch: ClassifiedFrames & ConsensusRows;
  /** The records this batch completes, in input order (each record once over the run). */
  readonly records: readonly RecordCall[];
}

/** The counts a run keeps (restored on resume), from which a table's row count follows. */
export interface TableCounts {
  /** Rows of prediction_results.txt (kept frames) and consensus rows (chunks with kept frames). */
  readonly rows: { readonly frames: number; readonly chunks: number };
  readonly calls: CallCounts;
}

export interface DirectoryTable {
  /** Its key in `.virnucpro/state.json` (committed size, digests): an interrupted run resumes by it, so never rename it. */
  readonly key: string;
  /** Its file name in the directory. */
  readonly file: string;
  /** The file of its block digests in `.virnucpro/` (src/output/prefixDigest.ts), checked by a resume. */
  readonly digests: string;
  /** The first line of the file, with its '\n'. */
  readonly header: string;
  /** The rows a batch adds (latin1 text, each ending in '\n'; '' for none). */
  rows(batch: TableBatch): string;
  /** Its rows (header excluded) once the run is written: run_summary.json's `rowsWritten`, which merge checks. */
  count(counts: TableCounts): number;
}

/** Tables that one option asks for, written all or none. */
export interface DirectoryTableGroup {
  /**
   * The option's name: the `-o` output's switch in the library (`output: { dir, scoreTables: true }`), and
   * the run identity's `options.<option>: true` (a resume must ask for the same tables).
   */
  readonly option: string;
  /** Its command-line switch, `--<flag>`. */
  readonly flag: string;
  /** The switch's line in `--help`. */
  readonly description: string;
  /** Why the switch needs -o: `--<flag> needs -o/--output-dir <dir>: <needsDir>`. */
  readonly needsDir: string;
  /** How merge names the group when parts differ (`<title> written vs not written`). */
  readonly title: string;
  readonly tables: readonly DirectoryTable[];
}
