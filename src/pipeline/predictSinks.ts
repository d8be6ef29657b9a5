import { VirnucproError } from '../errors.js';
import { CallTally, type CallCounts } from '../classify/callCounts.js';
import type { RecordCall } from '../classify/recordCalls.js';
import type { BundleIdentity, InputIdentity } from './runIdentity.js';
import type { InputCheckpoint } from '../fasta/inputCheckpoint.js';
import { RepeatedIds } from '../fasta/recordIds.js';
import type { ConsensusSortResult } from '../output/consensusSort.js';
import { withHeader, type OutputStream } from '../output/outputStream.js';
import {
  HIGHEST_SCORE_FILE,
  PREDICTION_RESULTS_FILE,
  PredictionDirectory,
  type OutputMode,
  type RunCounters,
} from '../output/predictionDirectory.js';
import type { DirectoryTable } from '../output/directoryTable.js';
import { chunkRows, frameRows, streamHeader, type StreamFormat } from '../output/predictionRows.js';
import type { PredictionBatch } from './predict.js';
import type { ChunkNames } from '../sequence/chunkBatch.js';
import type { PredictStats } from './predictStats.js';
import type { RunSummary } from '../output/runSummaryJson.js';

/**
 * Where a predict run's results go: a stream (stdout) in the row formats, or an output directory (the
 * original's files, resumable), behind one interface the run writes through.
 */

/**
 * Options that change results: a resume must see the same ones. With -o, each optional table group written
 * adds `<its option>: true` (`scoreTables: true`; absent when not, so runs without them keep their identity).
 */
export interface ResultOptions {
  readonly chunkLength: number;
  readonly forcedChunkLength: number | null;
  readonly [tables: string]: number | null | true;
}

/** What a resume compares: the input, the bundle and the result-changing options (a type: JSON data). */
export type PredictRunIdentity = {
  readonly input: InputIdentity;
  readonly bundle: BundleIdentity;
  readonly options: ResultOptions;
};

export interface PredictSink {
  readonly resumeFrom: InputCheckpoint | undefined;
  readonly resumed: { readonly records: number; readonly commits: number } | undefined;
  /** Writes a batch; returns the rows written. */
  write(batch: PredictionBatch): Promise<number>;
  /** Ends a complete run; `summary` builds run_summary.json. Returns the consensus sort's counts (-o). */
  finish(summary: (sort: ConsensusSortResult | undefined) => RunSummary): Promise<ConsensusSortResult | undefined>;
  /** After an error or interruption: keeps what can be kept (a commit), closes files. */
  abandon(): Promise<void>;
  /** Frames and consensus rows of the batches written (a resumed run's committed ones included). */
  rows(): { readonly frames: number; readonly chunks: number };
  /** Chunks and reads of the batches written by call (a resumed run's committed ones included). */
  calls(): CallCounts;
  /** Rows per output, for the summary. */
  outputs(sort: ConsensusSortResult | undefined): Record<string, number>;
  /** What an interrupted run says: where its results stand (undefined: nothing is kept). */
  interruptedAt(): string | undefined;
}

/**
 * Rows to a stream: one per chunk (or per frame). TSV starts with its column header, so that csv readers
 * take it as one; JSONL is rows only. What the run used (bundle, chunk length) goes to the log and the
 * returned summary, not into the data.
 */
export function streamSink(
  out: OutputStream,
  format: { readonly format: StreamFormat; readonly perFrame: boolean },
  warn: (message: string) => void,
): PredictSink {
  const { perFrame } = format;
  const rows = { frames: 0, chunks: 0 };
  const calls = new CallTally();
  const output = withHeader(out, format.format === 'tsv' ? streamHeader(perFrame) : undefined);
  const repeats = new RepeatedIdsWarning();
  return {
    resumeFrom: undefined,
    resumed: undefined,
    async write(batch) {
      repeats.add(batch.chunks);
      // Latin-1: ids go out as the bytes of the input header.
      await output.write(Buffer.from(perFrame ? frameRows(batch, format.format) : chunkRows(batch, format.format), 'latin1'));
      rows.frames += batch.count;
      rows.chunks += batch.consensus.count;
      calls.add(batch, batch.checkpoint !== undefined);
      return perFrame ? batch.count : batch.consensus.count;
    },
    async finish() {
      await output.finish();
      const warning = repeats.message(out.name);
      if (warning) warn(warning);
      return undefined;
    },
    abandon: () => Promise.resolve(),
    rows: () => rows,
    calls: () => calls.counts,
    outputs: () => ({ [out.name]: perFrame ? rows.frames : rows.chunks }),
    interruptedAt: () => undefined,
  };
}

/**
 * Reads whose ids repeat, seen through the chunks written (each read's first chunk). Rows on a stream are not
 * merged: a csv reader or a join by chunk id meets the id twice, which the user must hear about (with -o the
 * consensus file merges them as the original does, and the summary counts them).
 */
class RepeatedIdsWarning {
  readonly #ids = new RepeatedIds();
  #repeats = 0;
  #first: string | undefined;

  add(chunks: ChunkNames): void {
    for (let k = 0; k < chunks.chunkNumber.length; k++) {
      if (chunks.chunkNumber[k] !== 1) continue;
      const id = chunks.ids[chunks.recordIndex[k]!]!;
      if (!this.#ids.add(id)) continue;
      this.#repeats += 1;
      this.#first ??= id;
    }
  }

  message(output: string): string | undefined {
    if (this.#first === undefined) return undefined;
    return (
      `${this.#repeats} read(s) repeat an earlier read's id, first '${this.#first}': their rows on ${output} share chunk ids ` +
      '(kept apart, not merged; predict -o merges them as the original VirNucPro does)'
    );
  }
}

/**
 * The original's files in `dir`, committed durably at input-batch ends. A resumed directory restores the
 * run's counters into `stats`; 'complete' when the run had already finished.
 */
export async function directorySink(
  dir: string,
  mode: OutputMode,
  identity: PredictRunIdentity,
  stats: PredictStats,
  options: {
    readonly commitIntervalMs?: number | undefined;
    readonly beforeCommit?: () => void;
    readonly onResume?: (records: number) => void;
    /** The optional tables to write (the options that ask for them are in `identity`). */
    readonly tables: readonly DirectoryTable[];
  },
): Promise<PredictSink | 'complete'> {
  const { tables } = options;
  const directory = await PredictionDirectory.open(dir, mode, identity, {
    ...(options.commitIntervalMs !== undefined ? { commitIntervalMs: options.commitIntervalMs } : {}),
    ...(options.beforeCommit ? { beforeCommit: options.beforeCommit } : {}),
    tables,
  });
  const resumed = directory.resumed;
  if (resumed?.complete) return 'complete';
  // The pipeline's counters run ahead of the output; what is committed describes exactly the records
  // committed, so it counts what was written (chunks of the batches written, rows written).
  let chunksWritten = resumed?.counters['chunks'] ?? 0;
  let calls: CallTally;
  try {
    calls = new CallTally(resumed ? committedCalls(dir, resumed.checkpoint.records, resumed.counters) : undefined);
  } catch (error) {
    await directory.close();
    throw error;
  }
  const committedCounters = (checkpoint: InputCheckpoint): RunCounters => ({
    records: checkpoint.records,
    chunks: chunksWritten,
    chunksWithKeptFrames: directory.rows.chunks,
    frames: directory.rows.frames,
    ...callCounters(calls.counts),
  });
  if (resumed) {
    stats.records = resumed.checkpoint.records;
    stats.chunks = chunksWritten;
    stats.chunksWithKeptFrames = resumed.rows.chunks;
    stats.frames = resumed.rows.frames;
    options.onResume?.(resumed.checkpoint.records);
  }
  let last = directory.committed;
  // The write in progress: consumeBatches rejects as soon as the pipeline fails, possibly while a batch is
  // being appended or committed; abandon() waits for it so that it never cuts a file under a write.
  let writing: Promise<unknown> = Promise.resolve();
  const write = async (batch: PredictionBatch): Promise<number> => {
    // The records this batch completes are counted as it is written, and passed to the tables (which may list them).
    const records: RecordCall[] = [];
    calls.add(batch, batch.checkpoint !== undefined, tables.length > 0 ? (call) => records.push(call) : undefined);
    await directory.append(batch, records);
    chunksWritten += batch.chunks.recordIndex.length;
    if (batch.checkpoint) {
      last = batch.checkpoint;
      await directory.checkpoint(batch.checkpoint, committedCounters(batch.checkpoint));
    }
    return batch.count;
  };
  return {
    resumeFrom: resumed?.checkpoint,
    resumed: resumed ? { records: resumed.checkpoint.records, commits: resumed.commits } : undefined,
    write(batch) {
      const written = write(batch);
      writing = written.catch(() => undefined);
      return written;
    },
    finish: (summary) => directory.finish(last, committedCounters(last), (sort) => summary(sort)),
    async abandon() {
      await writing;
      // Commits the last complete input batch, then cuts both files back to it: what stays on disk is
      // exactly what a resume continues from, whole input batches only.
      await directory.abandon();
    },
    rows: () => directory.rows,
    calls: () => calls.counts,
    outputs: (sort) => ({
      [PREDICTION_RESULTS_FILE]: directory.rows.frames,
      [HIGHEST_SCORE_FILE]: sort?.rows ?? 0,
      ...Object.fromEntries(tables.map((table) => [table.file, table.count({ rows: directory.rows, calls: calls.counts })])),
    }),
    interruptedAt: () => `${dir} holds the results of the first ${directory.committed.records.toLocaleString('en-US')} records`,
  };
}

/** The call counts as commit counters (flat numbers: src/output/predictionDirectory.ts RunCounters). */
function callCounters(calls: CallCounts): RunCounters {
  return {
    chunksViral: calls.chunks.viral,
    chunksNotViral: calls.chunks.notViral,
    chunksUncallable: calls.chunks.uncallable,
    readsViral: calls.reads.viral,
    readsNotViral: calls.reads.notViral,
    readsUncallable: calls.reads.uncallable,
  };
}

/**
 * The call counts a resumed run's last commit recorded. A commit made by a virnucpro that did not count
 * calls cannot give them for the records it covers: refused rather than undercounted.
 */
function committedCalls(dir: string, records: number, counters: RunCounters): CallCounts {
  const value = (name: string): number => {
    const count = counters[name];
    if (typeof count === 'number') return count;
    if (records === 0) return 0;
    throw new VirnucproError(
      'RESUME_MISMATCH',
      `${dir}: the interrupted run was started by an earlier virnucpro that did not count viral and non-viral calls`,
      {
        hint: 'finish it with that version, or start over with --force',
      },
    );
  };
  return {
    chunks: { viral: value('chunksViral'), notViral: value('chunksNotViral'), uncallable: value('chunksUncallable') },
    reads: { viral: value('readsViral'), notViral: value('readsNotViral'), uncallable: value('readsUncallable') },
  };
}
