import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { addCalls, NO_CALLS } from '../classify/callCounts.js';
import { VirnucproError } from '../errors.js';
import { formatShard, parseShard, type Shard } from '../fasta/shard.js';
import { AppendFile, outputError } from './appendFile.js';
import { syncDirectory, writeFileAtomic } from './atomicWrite.js';
import { journalLine } from './consensusJournal.js';
import { sortConsensus, type ConsensusSortResult } from './consensusSort.js';
import type { RunSummary } from './runSummaryJson.js';
import { HIGHEST_SCORE_FILE, PREDICTION_RESULTS_FILE, RUN_SUMMARY_FILE, isCompleteRun } from './predictionDirectory.js';
import { PREDICTION_RESULTS_HEADER } from './predictionRows.js';
import type { DirectoryTableGroup } from './directoryTable.js';
import { DIRECTORY_TABLE_GROUPS } from './directoryTables.js';

/**
 * `virnucpro merge OUT DIR…`: the `-o` directories of runs over parts of one input (shards of a file, or files
 * split in input order) gathered into the original's two files, byte-identical to one run over the whole
 * input, and a summary.
 *
 * Everything is rebuilt from each part's `prediction_results.txt`, as the original builds its consensus
 * file from its own: frame rows concatenated in input order; per chunk (frame id minus its two-character
 * suffix) the max of each score over its consecutive rows, then the sorted consensus with chunk ids that
 * repeat anywhere merged as pandas' groupby merges them ({@link sortConsensus}). Scores are float32 shortest
 * digits, which read back exactly. So a part needs nothing beyond the files of a finished run.
 *
 * Checks before writing anything: every part finished (its state says complete), all used the same bundle
 * (manifest sha256), chunk length and packing options (token budget, window, device: they change the scores'
 * float32 noise); shards of one file are all there, once each, of one file unchanged
 * between them (name, size, mtime; its directory may differ), and are taken in shard order whatever the order given; parts without a
 * shard are taken in the order given and must be different inputs. Each part's frame rows must number what
 * its summary says.
 */

/** Where merge keeps its journal and sort runs while it works (removed at the end). */
const WORK_DIR = '.virnucpro-merge';

/** The files a merge with optional tables `groups` may write; what `force` replaces. */
function mergeFiles(groups: readonly DirectoryTableGroup[]): string[] {
  return [PREDICTION_RESULTS_FILE, HIGHEST_SCORE_FILE, ...tableFiles(groups), RUN_SUMMARY_FILE, WORK_DIR];
}

function tableFiles(groups: readonly DirectoryTableGroup[]): string[] {
  return groups.flatMap((group) => group.tables.map((table) => table.file));
}

export interface MergeOptions {
  /** Replace a merge's files in a non-empty `out` (other files stay). Default: `out` must be empty or absent. */
  readonly force?: boolean;
  /** The virnucpro version, recorded in the summary. */
  readonly version: string;
  /** The command line, recorded in the summary. */
  readonly arguments?: readonly string[];
  readonly signal?: AbortSignal;
  /**
   * Optional tables of your own that parts may hold (runPredict's `output.tables`), besides the listed ones
   * (src/output/directoryTables.ts). A group's tables are concatenated when every part has them. Default none.
   */
  readonly tables?: readonly DirectoryTableGroup[];
}

/** What the merge needs of a part's run_summary.json. */
export interface PartRun {
  readonly dir: string;
  readonly shard: Shard | null;
  readonly input: RunSummary['input'];
  readonly bundle: Pick<RunSummary['bundle'], 'name' | 'manifestSha256' | 'chunkLength' | 'meaningless'>;
  readonly chunkLength: RunSummary['chunkLength'];
  readonly forcedChunkLength: RunSummary['forcedChunkLength'];
  /** The options that change the scores' float32 noise (how frames are packed, where they run), as given. */
  readonly packing: string;
  readonly counts: PartCounts;
  /** Rows of each file the part wrote (header excluded), as its summary says. */
  readonly rowsWritten: RunSummary['counts']['rowsWritten'];
  /** The optional table groups the part wrote (its summary counts their rows). */
  readonly tables: readonly DirectoryTableGroup[];
  readonly warnings: readonly string[];
}

/** Options of `virnucpro predict` whose values change which frames share a model batch, or the kernels. */
const PACKING_OPTIONS = ['token-budget', 'window', 'device'];

type PartCounts = Pick<RunSummary['counts'], 'recordsRead' | 'recordsSkipped' | 'chunks' | 'chunksWithKeptFrames' | 'framesKept' | 'calls'>;

/** run_summary.json of a merge (docs/predict.md, "Merging shards"). */
export interface MergeSummary extends Pick<RunSummary, 'virnucpro' | 'arguments' | 'finishedAt' | 'chunkLength' | 'forcedChunkLength'> {
  readonly command: 'merge';
  /** The file the shards were cut from; null for parts that are inputs of their own. */
  readonly input: PartRun['input'] | null;
  readonly parts: readonly {
    readonly dir: string;
    readonly shard: string | null;
    readonly input: string;
    readonly recordsRead: number;
    readonly framesKept: number;
  }[];
  readonly bundle: PartRun['bundle'];
  /** duplicateChunkIdsMerged: chunk rows merged into another of the same id, found again after other chunks (in one part or across parts). */
  readonly counts: PartCounts & Pick<RunSummary['counts'], 'rowsWritten' | 'duplicateChunkIdsMerged'>;
  /** The parts' warnings, each once. */
  readonly warnings: readonly string[];
}

/** Merges the finished `-o` directories `dirs` into `out`; returns the summary it wrote there. */
export async function mergeRuns(out: string, dirs: readonly string[], options: MergeOptions): Promise<MergeSummary> {
  if (dirs.length === 0) throw new TypeError('dirs must name at least one directory');
  const root = path.resolve(out);
  const groups = [...new Set([...DIRECTORY_TABLE_GROUPS, ...(options.tables ?? [])])];
  const parts = orderParts(await Promise.all(dirs.map((dir) => readPartRun(dir, groups))));
  checkAgreement(parts, groups);
  await prepareOutput(root, parts, groups, options.force === true);
  const work = path.join(root, WORK_DIR);
  await mkdir(work, { recursive: true }).catch((error: unknown) => {
    throw outputError(root, error);
  });
  const journal = path.join(work, 'consensus.journal');
  try {
    await concatenateResults(parts, path.join(root, PREDICTION_RESULTS_FILE), journal, options.signal);
    const sort = await sortConsensus(journal, path.join(root, HIGHEST_SCORE_FILE), {
      tempDir: work,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // Each table concatenated, in input order: its rows depend on their own batch only (src/output/directoryTable.ts).
    const tables: Record<string, number> = {};
    for (const table of parts[0]!.tables.flatMap((group) => group.tables)) {
      tables[table.file] = await concatenateParts(parts, table.file, table.header, path.join(root, table.file), options.signal, {
        check: (part, rows, file) => {
          if (rows !== part.rowsWritten[table.file]) {
            throw refused(
              `holds ${rows} rows but its run summary says ${part.rowsWritten[table.file]}`,
              file,
              'run that part again with --force',
            );
          }
        },
      });
    }
    const summary = mergeSummary(parts, sort, tables, options);
    await writeFileAtomic(path.join(root, RUN_SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } catch (error) {
    // A failed merge leaves no file that looks like a result.
    await Promise.all(
      [...mergeFiles(groups), ...[PREDICTION_RESULTS_FILE, ...tableFiles(groups)].map((file) => `${file}.tmp`)].map((entry) =>
        rm(path.join(root, entry), { recursive: true, force: true }),
      ),
    );
    throw error;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A part's run, read from its directory: refused unless the run there finished. `groups`: the optional tables it may hold. */
export async function readPartRun(dir: string, groups: readonly DirectoryTableGroup[] = DIRECTORY_TABLE_GROUPS): Promise<PartRun> {
  const root = path.resolve(dir);
  if (!(await isCompleteRun(root))) {
    throw refused(
      `holds no finished predict -o run`,
      root,
      'finish it first (the same command with --resume continues it), or leave it out',
    );
  }
  const file = path.join(root, RUN_SUMMARY_FILE);
  let summary: Record<string, unknown>;
  try {
    summary = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw refused(`cannot read its run summary: ${(error as Error).message}`, file, 'run that part again with --force', error);
  }
  if (
    summary['command'] !== 'predict' ||
    !isRecord(summary['input']) ||
    !isRecord(summary['bundle']) ||
    !isRecord(summary['counts']) ||
    typeof summary['chunkLength'] !== 'number'
  ) {
    throw refused('is not the run summary of a predict run', file, 'name the -o directories of virnucpro predict runs');
  }
  const rowsWritten = isRecord(summary['counts']['rowsWritten']) ? (summary['counts']['rowsWritten'] as Record<string, number>) : {};
  if (!isRecord(summary['counts']['calls'])) {
    throw refused(
      'has no viral / not viral counts (counts.calls): it was written by an earlier virnucpro',
      file,
      'run that part again with --force',
    );
  }
  const shard = typeof summary['shard'] === 'string' ? parseShard(summary['shard']) : undefined;
  if (summary['shard'] !== undefined && summary['shard'] !== null && shard === undefined) {
    throw refused(`has an invalid shard ${JSON.stringify(summary['shard'])}`, file, 'run that part again with --force');
  }
  return {
    dir: root,
    shard: shard ?? null,
    input: summary['input'] as PartRun['input'],
    bundle: summary['bundle'] as unknown as PartRun['bundle'],
    chunkLength: summary['chunkLength'],
    forcedChunkLength: (summary['forcedChunkLength'] as number | null | undefined) ?? null,
    packing: packingOptions(summary['options']),
    counts: summary['counts'] as unknown as PartCounts,
    rowsWritten,
    tables: groups.filter((group) => group.tables.every((table) => typeof rowsWritten[table.file] === 'number')),
    warnings: Array.isArray(summary['warnings']) ? (summary['warnings'] as string[]) : [],
  };
}

/**
 * Parts in input order. Shards: all N of one file, once each, sorted by K. Parts without a shard: as given,
 * each a different input. A mix of both is refused.
 */
export function orderParts(parts: readonly PartRun[]): PartRun[] {
  const sharded = parts.filter((part) => part.shard !== null);
  if (sharded.length === 0) {
    const seen = new Map<string, string>();
    for (const part of parts) {
      const other = seen.get(part.input.path);
      if (other !== undefined) {
        throw refused(`${other} and ${part.dir} are runs over the same input ${part.input.path}`, undefined, 'name each part once');
      }
      seen.set(part.input.path, part.dir);
    }
    return [...parts];
  }
  if (sharded.length !== parts.length) {
    const whole = parts.find((part) => part.shard === null)!;
    throw refused(
      `${whole.dir} is a run over a whole input but ${sharded[0]!.dir} is a shard: they do not belong together`,
      undefined,
      'merge the shards of one input, or runs over inputs of their own, not both',
    );
  }
  const first = sharded[0]!;
  const count = first.shard!.count;
  const bySlot = new Map<number, PartRun>();
  for (const part of sharded) {
    if (part.shard!.count !== count) {
      throw refused(
        `${first.dir} is shard ${formatShard(first.shard!)} but ${part.dir} is shard ${formatShard(part.shard!)}`,
        undefined,
        'merge shards of one split (one N)',
      );
    }
    const input = JSON.stringify(sameFile(part.input));
    if (input !== JSON.stringify(sameFile(first.input))) {
      throw refused(
        `${first.dir} and ${part.dir} are shards of different inputs (or the file changed between them): ${JSON.stringify(sameFile(first.input))} vs ${input}`,
        undefined,
        'run every shard on the same, unchanged file',
      );
    }
    const other = bySlot.get(part.shard!.index);
    if (other !== undefined)
      throw refused(`${other.dir} and ${part.dir} are both shard ${formatShard(part.shard!)}`, undefined, 'name each shard once');
    bySlot.set(part.shard!.index, part);
  }
  const missing = Array.from({ length: count }, (_, k) => k + 1).filter((index) => !bySlot.has(index));
  if (missing.length > 0) {
    throw refused(
      `shards ${missing.map((index) => `${index}/${count}`).join(', ')} of ${first.input.path} are missing`,
      undefined,
      'run them (virnucpro predict --shard K/N) and name every shard',
    );
  }
  return Array.from({ length: count }, (_, k) => bySlot.get(k + 1)!);
}

/**
 * What shards of one file must agree on: its name, size and modification time. Not its directory: workflow
 * engines (CWL runners, Nextflow) stage each job's input in a directory of its own.
 */
function sameFile(input: PartRun['input']): {
  readonly name: string;
  readonly size: number | undefined;
  readonly mtime: string | undefined;
} {
  return { name: path.basename(input.path), size: input.size, mtime: input.mtime };
}

/** Same bundle, chunk length (forced or not), packing options and optional tables (of `groups`) in every part. */
function checkAgreement(parts: readonly PartRun[], groups: readonly DirectoryTableGroup[]): void {
  const [first, ...rest] = parts as [PartRun, ...PartRun[]];
  for (const part of rest) {
    const differences: string[] = [];
    if (part.bundle.manifestSha256 !== first.bundle.manifestSha256) {
      differences.push(
        `bundle '${first.bundle.name}' (manifest sha256 ${first.bundle.manifestSha256.slice(0, 12)}) vs '${part.bundle.name}' (${part.bundle.manifestSha256.slice(0, 12)})`,
      );
    }
    if (part.chunkLength !== first.chunkLength || part.forcedChunkLength !== first.forcedChunkLength) {
      differences.push(`chunk length ${first.chunkLength} vs ${part.chunkLength}`);
    }
    if (part.packing !== first.packing) differences.push(`options ${first.packing} vs ${part.packing}`);
    const written = (run: PartRun, group: DirectoryTableGroup): string => (run.tables.includes(group) ? 'written' : 'not written');
    for (const group of groups) {
      if (written(part, group) !== written(first, group))
        differences.push(`${group.title} ${written(first, group)} vs ${written(part, group)}`);
    }
    if (differences.length > 0) {
      throw refused(
        `${first.dir} and ${part.dir} were run differently: ${differences.join('; ')}`,
        undefined,
        'run every part with the same bundle and options',
      );
    }
  }
}

/** `out` must be empty, absent, or (with force) hold only what a merge may replace; never one of the parts. */
async function prepareOutput(
  root: string,
  parts: readonly PartRun[],
  groups: readonly DirectoryTableGroup[],
  force: boolean,
): Promise<void> {
  if (parts.some((part) => part.dir === root)) {
    throw new VirnucproError('USAGE', `the merge output ${root} is one of the directories to merge`, {
      hint: 'name a new directory for the merged results',
    });
  }
  const entries = await readdir(root).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw outputError(root, error);
  });
  if (entries.length === 0) return;
  if (!force) {
    throw new VirnucproError(
      'OUTPUT_EXISTS',
      `the output directory is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''})`,
      {
        position: { file: root },
        hint: 'choose another output directory, or --force to replace the merged results there',
      },
    );
  }
  await Promise.all(mergeFiles(groups).map((entry) => rm(path.join(root, entry), { recursive: true, force: true })));
}

/**
 * Writes the parts' frame rows, in order, under one header to `results` (atomically), and their per-chunk
 * maxima to `journal` (consensus journal lines, consecutive rows of a chunk id folded).
 */
async function concatenateResults(
  parts: readonly PartRun[],
  results: string,
  journal: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const chunks = await AppendFile.create(journal);
  try {
    let pending: { id: string; maxScore1: number; maxScore2: number } | undefined;
    await concatenateParts(parts, PREDICTION_RESULTS_FILE, PREDICTION_RESULTS_HEADER, results, signal, {
      row: async (text, file, line) => {
        const frame = parseFrameRow(text, file, line);
        if (pending !== undefined && pending.id === frame.chunk) {
          // The original's per-chunk rule (src/predict/consensus.ts): the first score, then any larger one.
          if (frame.score1 > pending.maxScore1) pending.maxScore1 = frame.score1;
          if (frame.score2 > pending.maxScore2) pending.maxScore2 = frame.score2;
        } else {
          if (pending !== undefined) await chunks.append(journalLine(pending));
          pending = { id: frame.chunk, maxScore1: frame.score1, maxScore2: frame.score2 };
        }
      },
      check: (part, frames, file) => {
        if (frames !== part.counts.framesKept) {
          throw refused(
            `holds ${frames} frame rows but its run summary says ${part.counts.framesKept} frames were kept`,
            file,
            'run that part again with --force',
          );
        }
      },
    });
    if (pending !== undefined) await chunks.append(journalLine(pending));
    await chunks.flush();
  } finally {
    await chunks.close();
  }
}

/**
 * Writes the rows of the parts' `name` files, in order, under one `header` (which each must start with) to
 * `out` (atomically): `row` sees each row before it is copied, `check` each part's row count once its file
 * is read. Returns the rows written.
 */
async function concatenateParts(
  parts: readonly PartRun[],
  name: string,
  header: string,
  out: string,
  signal: AbortSignal | undefined,
  each: {
    readonly row?: (text: string, file: string, line: number) => Promise<void>;
    readonly check: (part: PartRun, rows: number, file: string) => void;
  },
): Promise<number> {
  const temporary = `${out}.tmp`;
  const rows = await AppendFile.create(temporary);
  let total = 0;
  try {
    await rows.append(header);
    for (const part of parts) {
      const file = path.join(part.dir, name);
      let line = 0;
      for await (const text of readLines(file)) {
        line += 1;
        if ((line & 0xffff) === 0) signal?.throwIfAborted();
        if (line === 1) {
          if (`${text}\n` !== header)
            throw refused(`expected the header ${JSON.stringify(header)}`, file, 'run that part again with --force', undefined, 1);
          continue;
        }
        await each.row?.(text, file, line);
        await rows.append(`${text}\n`);
      }
      const written = Math.max(0, line - 1);
      each.check(part, written, file);
      total += written;
    }
    await rows.sync();
  } finally {
    await rows.close();
  }
  try {
    await rename(temporary, out);
    await syncDirectory(path.dirname(out));
  } catch (error) {
    throw outputError(out, error);
  }
  return total;
}

interface FrameRow {
  readonly chunk: string;
  readonly score1: number;
  readonly score2: number;
}

/** `<frame id>\t<virus|others>\t<score1>\t<score2>`; the chunk id is the frame id without its suffix (F1…R3). */
function parseFrameRow(text: string, file: string, line: number): FrameRow {
  const fields = text.split('\t');
  const score1 = fields.length === 4 ? score(fields[2]!) : undefined;
  const score2 = fields.length === 4 ? score(fields[3]!) : undefined;
  if (score1 === undefined || score2 === undefined || !/[FR][123]$/.test(fields[0]!)) {
    throw refused(
      `expected '<frame id>\\t<prediction>\\t<score1>\\t<score2>', found '${text.slice(0, 80)}'`,
      file,
      'run that part again with --force',
      undefined,
      line,
    );
  }
  return { chunk: fields[0]!.slice(0, -2), score1: Math.fround(score1), score2: Math.fround(score2) };
}

/** A score as formatFloat32 wrote it ('nan' included). */
function score(text: string): number | undefined {
  if (text === 'nan') return NaN;
  const value = text === '' ? NaN : Number(text);
  return Number.isNaN(value) ? undefined : value;
}

/** Lines of a latin1 text file, without their '\n'. */
async function* readLines(file: string): AsyncGenerator<string> {
  const stream = createReadStream(file, { encoding: 'latin1', highWaterMark: 1 << 20 });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    yield* lines;
  } catch (error) {
    throw refused(`cannot read: ${(error as Error).message}`, file, 'check that the part directory is complete and readable', error);
  } finally {
    lines.close();
    stream.destroy();
  }
}

function mergeSummary(
  parts: readonly PartRun[],
  sort: ConsensusSortResult,
  tables: Readonly<Record<string, number>>,
  options: MergeOptions,
): MergeSummary {
  const first = parts[0]!;
  const sum = (count: (counts: PartCounts) => number): number => parts.reduce((total, part) => total + count(part.counts), 0);
  const framesKept = sum((counts) => counts.framesKept);
  return {
    virnucpro: options.version,
    command: 'merge',
    arguments: options.arguments ?? [],
    finishedAt: new Date().toISOString(),
    input: first.shard === null ? null : first.input,
    parts: parts.map((part) => ({
      dir: part.dir,
      shard: part.shard === null ? null : formatShard(part.shard),
      input: part.input.path,
      recordsRead: part.counts.recordsRead,
      framesKept: part.counts.framesKept,
    })),
    bundle: first.bundle,
    chunkLength: first.chunkLength,
    forcedChunkLength: first.forcedChunkLength,
    counts: {
      recordsRead: sum((counts) => counts.recordsRead),
      recordsSkipped: { emptyRecord: sum((counts) => counts.recordsSkipped?.emptyRecord ?? 0) },
      chunks: sum((counts) => counts.chunks),
      chunksWithKeptFrames: sum((counts) => counts.chunksWithKeptFrames),
      framesKept,
      calls: parts.reduce((total, part) => addCalls(total, part.counts.calls), NO_CALLS),
      rowsWritten: { [PREDICTION_RESULTS_FILE]: framesKept, [HIGHEST_SCORE_FILE]: sort.rows, ...tables },
      duplicateChunkIdsMerged: sort.mergedDuplicates,
    },
    warnings: [...new Set(parts.flatMap((part) => part.warnings))],
  };
}

function refused(message: string, file: string | undefined, hint: string, cause?: unknown, line?: number): VirnucproError {
  return new VirnucproError('MERGE_REFUSED', message, {
    ...(file !== undefined ? { position: { file, ...(line !== undefined ? { line } : {}) } } : {}),
    hint,
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** The packing options a part ran with, as a comparable text (`{"token-budget":"16384",…}`). */
function packingOptions(options: unknown): string {
  const given = isRecord(options) ? options : {};
  return JSON.stringify(Object.fromEntries(PACKING_OPTIONS.map((name) => [name, given[name] ?? null])));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
