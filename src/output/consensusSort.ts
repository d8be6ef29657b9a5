import { createReadStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AppendFile, outputError } from './appendFile.js';
import { syncDirectory } from './atomicWrite.js';
import { journalLine, parseJournalLine, type ConsensusEntry } from './consensusJournal.js';
import { HIGHEST_SCORE_HEADER, highestScoreRow } from './predictionRows.js';

/**
 * Journal rows sorted in memory at once (one sorted run). A row costs ~120 B of JS heap (object, id string,
 * array slot), so 500 000 rows are ~60 MiB; a journal of hundreds of millions of chunks becomes a few hundred
 * runs on disk, merged without holding more than one row per run.
 */
export const DEFAULT_SORT_RUN_ROWS = 500_000;
/**
 * Runs merged at once. Each open run costs a file descriptor and a 64 KiB read buffer (16 MiB at 256); more
 * runs than this are merged in passes.
 */
export const DEFAULT_SORT_FAN_IN = 256;

export interface ConsensusSortOptions {
  /** Rows per in-memory sorted run (integer ≥ 1). Default 500 000. */
  readonly runRows?: number;
  /** Runs merged at once (integer ≥ 2). Default 256. */
  readonly fanIn?: number;
  /** Directory for the sorted runs (removed afterwards). */
  readonly tempDir: string;
  readonly signal?: AbortSignal;
}

/** Counts of one sort: every journal row is either written or merged into an earlier row with the same id. */
export interface ConsensusSortResult {
  /** Journal rows read. */
  readonly journalRows: number;
  /** Rows of the consensus file (distinct chunk ids). */
  readonly rows: number;
  /** Journal rows merged into another row of the same chunk id (reads with duplicate ids). */
  readonly mergedDuplicates: number;
  /** Sorted runs written to disk (0: sorted in memory). */
  readonly runs: number;
}

/**
 * Writes the original's `prediction_results_highestscore.csv` from the consensus journal: rows in
 * lexicographic id order (pandas groupby order: `a_chunk_10` before `a_chunk_9`), and rows with the same id
 * (reads with duplicate ids) merged like groupby merges them: max score1 and max score2 over both, then
 * Is_Virus = max2 ≥ max1. Memory stays bounded whatever the journal size: sorted runs of `runRows` rows, then
 * a k-way merge; a journal of at most `runRows` rows is sorted in memory. The output appears atomically
 * (temporary file, fsync, rename).
 */
export async function sortConsensus(journal: string, output: string, options: ConsensusSortOptions): Promise<ConsensusSortResult> {
  const runRows = options.runRows ?? DEFAULT_SORT_RUN_ROWS;
  const fanIn = options.fanIn ?? DEFAULT_SORT_FAN_IN;
  if (!Number.isSafeInteger(runRows) || runRows < 1)
    throw new TypeError(`options.runRows must be an integer >= 1 (got ${String(runRows)})`);
  if (!Number.isSafeInteger(fanIn) || fanIn < 2) throw new TypeError(`options.fanIn must be an integer >= 2 (got ${String(fanIn)})`);
  const { tempDir, signal } = options;
  const created: string[] = [];
  const newRun = (): string => {
    const file = path.join(tempDir, `consensus-sort-${created.length}.run`);
    created.push(file);
    return file;
  };
  let journalRows = 0;
  let rows = 0;
  const temporary = `${output}.tmp`;
  try {
    let buffer: ConsensusEntry[] = [];
    const runs: string[] = [];
    for await (const entry of readEntries(journal, signal)) {
      journalRows += 1;
      buffer.push(entry);
      if (buffer.length >= runRows) {
        runs.push(await writeRun(sortedUnique(buffer), newRun()));
        buffer = [];
      }
    }
    if (runs.length > 0 && buffer.length > 0) {
      runs.push(await writeRun(sortedUnique(buffer), newRun()));
      buffer = [];
    }
    const out = await AppendFile.create(temporary);
    try {
      await out.append(HIGHEST_SCORE_HEADER);
      const write = async (entry: ConsensusEntry): Promise<void> => {
        rows += 1;
        await out.append(highestScoreRow(entry.id, entry.maxScore1, entry.maxScore2));
      };
      if (runs.length === 0) {
        for (const entry of sortedUnique(buffer)) await write(entry);
      } else {
        await mergeRuns(await mergeDown(runs, fanIn, newRun, signal), write, signal);
      }
      await out.sync();
    } finally {
      await out.close();
    }
    await replaceFile(temporary, output);
    return { journalRows, rows, mergedDuplicates: journalRows - rows, runs: created.length };
  } finally {
    await Promise.all([...created, temporary].map((file) => rm(file, { force: true })));
  }
}

/** Journal entries in file order. */
async function* readEntries(file: string, signal: AbortSignal | undefined): AsyncGenerator<ConsensusEntry> {
  const lines = createInterface({
    input: createReadStream(file, { encoding: 'latin1', highWaterMark: READ_BUFFER_BYTES }),
    crlfDelay: Infinity,
  });
  let line = 0;
  try {
    for await (const text of lines) {
      line += 1;
      if ((line & 0xffff) === 0) signal?.throwIfAborted();
      yield parseJournalLine(text, file, line);
    }
  } finally {
    lines.close();
  }
}

/** Read buffer per journal or run being read. */
const READ_BUFFER_BYTES = 64 * 1024;

/** Sorts by id and merges equal ids (max of each score). */
function sortedUnique(entries: ConsensusEntry[]): ConsensusEntry[] {
  entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const unique: ConsensusEntry[] = [];
  for (const entry of entries) {
    const last = unique[unique.length - 1];
    if (last !== undefined && last.id === entry.id) unique[unique.length - 1] = merge(last, entry);
    else unique.push(entry);
  }
  return unique;
}

/** Two rows of one chunk id: the groupby of the original takes the max over the union of their frames. */
function merge(a: ConsensusEntry, b: ConsensusEntry): ConsensusEntry {
  return { id: a.id, maxScore1: Math.max(a.maxScore1, b.maxScore1), maxScore2: Math.max(a.maxScore2, b.maxScore2) };
}

async function writeRun(entries: readonly ConsensusEntry[], file: string): Promise<string> {
  const out = await AppendFile.create(file);
  try {
    for (const entry of entries) await out.append(journalLine(entry));
    await out.flush();
  } finally {
    await out.close();
  }
  return file;
}

/** Merges runs in groups of `fanIn` until at most `fanIn` remain. */
async function mergeDown(runs: string[], fanIn: number, newRun: () => string, signal: AbortSignal | undefined): Promise<string[]> {
  let level = runs;
  while (level.length > fanIn) {
    const next: string[] = [];
    for (let at = 0; at < level.length; at += fanIn) {
      const group = level.slice(at, at + fanIn);
      const file = newRun();
      const out = await AppendFile.create(file);
      try {
        await mergeRuns(group, (entry) => out.append(journalLine(entry)), signal);
        await out.flush();
      } finally {
        await out.close();
      }
      await Promise.all(group.map((run) => rm(run, { force: true })));
      next.push(file);
    }
    level = next;
  }
  return level;
}

/** k-way merge of sorted, id-unique runs into `write`, merging equal ids across runs. */
async function mergeRuns(
  runs: readonly string[],
  write: (entry: ConsensusEntry) => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const heap = new EntryHeap();
  const readers = runs.map((run) => readEntries(run, signal));
  try {
    for (const reader of readers) {
      const first = await reader.next();
      if (!first.done) heap.push({ entry: first.value, reader });
    }
    let pending: ConsensusEntry | undefined;
    while (heap.size > 0) {
      const head = heap.pop();
      if (pending !== undefined && pending.id === head.entry.id) {
        pending = merge(pending, head.entry);
      } else {
        if (pending !== undefined) await write(pending);
        pending = head.entry;
      }
      const next = await head.reader.next();
      if (!next.done) heap.push({ entry: next.value, reader: head.reader });
    }
    if (pending !== undefined) await write(pending);
  } finally {
    await Promise.all(readers.map((reader) => reader.return(undefined)));
  }
}

interface HeapItem {
  readonly entry: ConsensusEntry;
  readonly reader: AsyncGenerator<ConsensusEntry>;
}

/** A binary min-heap of run heads by id. */
class EntryHeap {
  readonly #items: HeapItem[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(item: HeapItem): void {
    const items = this.#items;
    items.push(item);
    let at = items.length - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (items[parent]!.entry.id <= item.entry.id) break;
      items[at] = items[parent]!;
      at = parent;
    }
    items[at] = item;
  }

  pop(): HeapItem {
    const items = this.#items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      let at = 0;
      for (;;) {
        const left = 2 * at + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && items[right]!.entry.id < items[left]!.entry.id ? right : left;
        if (items[child]!.entry.id >= last.entry.id) break;
        items[at] = items[child]!;
        at = child;
      }
      items[at] = last;
    }
    return top;
  }
}

/** Moves a complete, synced temporary file over `target` and makes the rename durable. */
async function replaceFile(temporary: string, target: string): Promise<void> {
  try {
    await rename(temporary, target);
    await syncDirectory(path.dirname(target));
  } catch (error) {
    throw outputError(target, error);
  }
}
