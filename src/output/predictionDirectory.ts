import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { VirnucproError } from '../errors.js';
import type { ClassifiedFrames } from '../classify/classification.js';
import type { ConsensusRows } from '../classify/consensus.js';
import type { RecordCall } from '../classify/recordCalls.js';
import { EMPTY_FINGERPRINT, type InputCheckpoint } from '../fasta/inputCheckpoint.js';
import { AppendFile, outputError } from './appendFile.js';
import type { PrefixDigest } from './prefixDigest.js';
import { LOCK_ENTRY } from './outputLock.js';
import { syncDirectory, writeFileAtomic } from './atomicWrite.js';
import { HTML_REPORT_FILE } from './htmlReport.js';
import { MULTIQC_FILES } from './multiqcReport.js';
import { journalRows } from './consensusJournal.js';
import { sortConsensus, type ConsensusSortOptions, type ConsensusSortResult } from './consensusSort.js';
import { PREDICTION_RESULTS_HEADER, predictionResultsRows } from './predictionRows.js';
import type { DirectoryTable } from './directoryTable.js';
import { DIRECTORY_TABLE_GROUPS } from './directoryTables.js';

/** The original's per-frame file. */
export const PREDICTION_RESULTS_FILE = 'prediction_results.txt';
/** The original's consensus file (tab-separated despite its name). */
export const HIGHEST_SCORE_FILE = 'prediction_results_highestscore.csv';
/** Written at the end: provenance, counts, timings (docs/predict.md). */
export const RUN_SUMMARY_FILE = 'run_summary.json';
/** Holds the commit state and the consensus journal; only virnucpro writes here. */
export const STATE_DIR = '.virnucpro';
const STATE_FILE = 'state.json';
const JOURNAL_FILE = 'consensus.journal';

/**
 * A file a run appends to: its key in the state file, its path in the directory, its block digests (a file
 * in STATE_DIR, src/output/prefixDigest.ts, checked by a resume) and what a new file starts with.
 */
type DataFileSpec = Pick<DirectoryTable, 'key' | 'file' | 'digests' | 'header'>;

/** The data files of every run: the original's per-frame file and the consensus journal. */
const RUN_FILES: readonly DataFileSpec[] = [
  { key: 'predictionResults', file: PREDICTION_RESULTS_FILE, digests: 'prediction_results.sha256', header: PREDICTION_RESULTS_HEADER },
  { key: 'journal', file: path.join(STATE_DIR, JOURNAL_FILE), digests: 'consensus.journal.sha256', header: '' },
];

/** The listed optional tables (src/output/directoryTables.ts), whether this run writes them or not. */
const LISTED_TABLES: readonly DirectoryTable[] = DIRECTORY_TABLE_GROUPS.flatMap((group): readonly DirectoryTable[] => group.tables);

/** Everything `predict -o` may create in a directory with `tables` (what --force removes; other files are left alone). */
function ownEntries(tables: readonly DirectoryTable[]): string[] {
  return [
    PREDICTION_RESULTS_FILE,
    HIGHEST_SCORE_FILE,
    ...new Set([...LISTED_TABLES, ...tables].map((table) => table.file)),
    RUN_SUMMARY_FILE,
    STATE_DIR,
    ...MULTIQC_FILES,
    HTML_REPORT_FILE,
  ];
}

/**
 * Least time between two durable commits. A commit costs two fdatasyncs and an fsync of the state file and
 * of the directory (milliseconds on an SSD, more on network storage); a crash redoes at most this much work
 * plus the batches in flight. Memory: none. `virnucpro predict` reads VIRNUCPRO_COMMIT_INTERVAL_MS (tests
 * use 0 to commit at every checkpoint).
 */
export const COMMIT_INTERVAL_MS = 2000;
const STATE_FORMAT = 'virnucpro-predict-state';
const STATE_VERSION = 1;

/** What must not change between a run and its resume: input, bundle, result-changing options (JSON data). */
export type RunIdentity = Readonly<Record<string, unknown>>;

/** Counters a caller stores with each commit (restored on resume so totals cover the whole run). */
export type RunCounters = Readonly<Record<string, number>>;

/** Rows this writer has written (committed ones included after a resume). */
export interface OutputRows {
  /** Rows of prediction_results.txt (one per kept frame). */
  readonly frames: number;
  /** Consensus journal rows (one per chunk with kept frames, duplicates not merged yet). */
  readonly chunks: number;
}

/** The committed state of an interrupted run, as found by a resume. */
export interface ResumePoint {
  readonly checkpoint: InputCheckpoint;
  readonly counters: RunCounters;
  readonly rows: OutputRows;
  /** The run had finished: nothing left to do. */
  readonly complete: boolean;
  /** Commits made so far (how many times the run was interrupted and resumed is not recorded). */
  readonly commits: number;
}

interface StateFile {
  readonly format: typeof STATE_FORMAT;
  readonly version: number;
  readonly identity: RunIdentity;
  readonly checkpoint: InputCheckpoint;
  /** Committed byte size of each data file (by its key). */
  readonly files: FileSizes;
  /** The committed prefix of each data file, with its block digests: what a resume checks before building on it. */
  readonly digests?: Digests;
  readonly rows: OutputRows;
  readonly counters: RunCounters;
  readonly inputComplete: boolean;
  readonly complete: boolean;
  readonly commits: number;
  readonly updatedAt: string;
}

export interface PredictionDirectoryOptions {
  /** Least time between two commits at checkpoints, in ms (≥ 0; 0 commits at every one). Default 2 000. */
  readonly commitIntervalMs?: number;
  /** Called before each commit: throws when this run may no longer commit (its {@link OutputLock} was lost). */
  readonly beforeCommit?: () => void;
  /** Optional tables to write too (src/output/directoryTable.ts; {@link append} then needs the batch's records). Default none. */
  readonly tables?: readonly DirectoryTable[];
}

/** How to treat an output directory that already holds files. */
export type OutputMode = 'new' | 'overwrite' | 'resume';

/** The open data files of a run by key: predictionResults and journal always, then its optional tables. */
type DataFiles = ReadonlyMap<string, AppendFile>;
type FileSizes = Readonly<Record<string, number>> & { readonly predictionResults: number; readonly journal: number };
type Digests = Readonly<Record<string, PrefixDigest>>;

interface Pending {
  readonly checkpoint: InputCheckpoint;
  readonly counters: RunCounters;
  readonly files: StateFile['files'];
  readonly digests: Digests | undefined;
  readonly rows: OutputRows;
}

/**
 * The `-o DIR` output of `virnucpro predict`, written so that a run killed at any moment (SIGKILL, power
 * loss) can be resumed into byte-identical files:
 *
 * - `prediction_results.txt` is final from the start (input order) and only appended to;
 * - consensus rows go, in input order, to an append-only journal in `.virnucpro/`; the original's sorted
 *   consensus file is made from it at the end ({@link sortConsensus}, bounded memory);
 * - a commit (at most every COMMIT_INTERVAL_MS, only at record boundaries: {@link checkpoint}) fdatasyncs
 *   both data files, then atomically replaces `.virnucpro/state.json` with their sizes, the input position
 *   and fingerprint, the run's identity and its counters;
 * - a resume compares identities (RESUME_MISMATCH), truncates both files to their committed sizes and tells
 *   the caller which records to skip.
 *
 * docs/adr/0005-resumable-output.md explains the choices.
 */
export class PredictionDirectory {
  readonly dir: string;
  /** Set when this run continues an interrupted one. */
  readonly resumed: ResumePoint | undefined;
  readonly #identity: RunIdentity;
  /** The optional tables this run writes (their files are in {@link #files} after the run's own). */
  readonly #tables: readonly DirectoryTable[];
  /** The data files; undefined for a complete run (never written again). */
  readonly #files: DataFiles | undefined;
  #rows: OutputRows;
  #pending: Pending;
  #lastCommit = 0;
  #commits: number;
  #commitIntervalMs = COMMIT_INTERVAL_MS;
  #beforeCommit: () => void = () => undefined;
  /** Data file sizes in the state file on disk (what a resume cuts back to). */
  #committedFiles: StateFile['files'];

  private constructor(
    dir: string,
    identity: RunIdentity,
    tables: readonly DirectoryTable[],
    files: DataFiles | undefined,
    start: Pending,
    resumed: ResumePoint | undefined,
  ) {
    this.dir = dir;
    this.#identity = identity;
    this.#tables = tables;
    this.#files = files;
    this.#rows = start.rows;
    this.#pending = start;
    this.#committedFiles = start.files;
    this.resumed = resumed;
    this.#commits = resumed?.commits ?? 0;
  }

  /**
   * Opens `dir` for a run. `new` refuses a directory that holds anything (OUTPUT_EXISTS); `overwrite` removes
   * what a previous run wrote there (other files stay); `resume` continues the committed state of an
   * interrupted run with the same identity (RESUME_MISMATCH otherwise), or starts afresh when `dir` holds no
   * run at all. A complete run is reported through {@link resumed} and left untouched.
   */
  static async open(
    dir: string,
    mode: OutputMode,
    identity: RunIdentity,
    options: PredictionDirectoryOptions = {},
  ): Promise<PredictionDirectory> {
    const commitIntervalMs = options.commitIntervalMs ?? COMMIT_INTERVAL_MS;
    if (typeof commitIntervalMs !== 'number' || !(commitIntervalMs >= 0)) {
      throw new TypeError(`options.commitIntervalMs must be a number >= 0 (got ${String(commitIntervalMs)})`);
    }
    const directory = await PredictionDirectory.#openRoot(path.resolve(dir), mode, identity, options.tables ?? []);
    directory.#commitIntervalMs = commitIntervalMs;
    directory.#beforeCommit = options.beforeCommit ?? ((): void => undefined);
    return directory;
  }

  /**
   * Checks, without writing anything, what {@link open} with the same arguments would find: throws the error
   * it would throw because of the directory's contents (OUTPUT_EXISTS, RESUME_MISMATCH, RESUME_CORRUPT,
   * OUTPUT_WRITE when it cannot be read), and says whether the run there is already complete. `virnucpro
   * predict` calls it before it loads the models, and opens the directory only once they have loaded, so a
   * bad bundle leaves nothing behind (and `--force` removes nothing). `tables`: {@link open}'s.
   */
  static async check(
    dir: string,
    mode: OutputMode,
    identity: RunIdentity,
    tables: readonly DirectoryTable[] = [],
  ): Promise<{ readonly complete: boolean }> {
    const plan = await PredictionDirectory.#plan(path.resolve(dir), mode, identity, tables);
    return { complete: plan.action === 'resume' && plan.state.complete };
  }

  static async #openRoot(
    root: string,
    mode: OutputMode,
    identity: RunIdentity,
    tables: readonly DirectoryTable[],
  ): Promise<PredictionDirectory> {
    const plan = await PredictionDirectory.#plan(root, mode, identity, tables);
    if (plan.action === 'resume') return PredictionDirectory.#resume(root, identity, plan.state, tables);
    if (plan.clear) await Promise.all(ownEntries(tables).map((entry) => rm(path.join(root, entry), { recursive: true, force: true })));
    return PredictionDirectory.#create(root, identity, tables);
  }

  /** What opening `root` in `mode` will do, found by reading only; throws what opening it would throw. */
  static async #plan(root: string, mode: OutputMode, identity: RunIdentity, tables: readonly DirectoryTable[]): Promise<OpenPlan> {
    const entries = (
      await readdir(root).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [] as string[];
        throw outputError(root, error, 'cannot read the output directory');
      })
    ).filter((entry) => entry !== LOCK_ENTRY); // the run's own lock (src/output/outputLock.ts)
    const state = mode === 'resume' ? await readState(root) : undefined;
    if (state) {
      checkIdentity(root, state, identity);
      return { action: 'resume', state };
    }
    if (mode === 'new' && entries.length > 0) {
      throw new VirnucproError(
        'OUTPUT_EXISTS',
        `the output directory is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''})`,
        {
          position: { file: root },
          hint: 'choose another -o directory, add --resume to continue an interrupted run there, or --force to replace its results',
        },
      );
    }
    // A run killed while it created the directory: its state folder exists (made first) but no commit yet.
    const interruptedStart = mode === 'resume' && entries.includes(STATE_DIR);
    if (mode === 'resume' && !interruptedStart && entries.some((entry) => ownEntries(tables).includes(entry))) {
      throw new VirnucproError('RESUME_CORRUPT', `holds results but no ${STATE_DIR}/${STATE_FILE} to resume from`, {
        position: { file: root },
        hint: 'these results were not written by a resumable run (or its state was deleted): start over with --force',
      });
    }
    return { action: 'create', clear: mode === 'overwrite' || interruptedStart };
  }

  static async #create(root: string, identity: RunIdentity, tables: readonly DirectoryTable[]): Promise<PredictionDirectory> {
    try {
      await mkdir(path.join(root, STATE_DIR), { recursive: true });
    } catch (error) {
      throw outputError(root, error, 'cannot create the output directory');
    }
    const files = new Map<string, AppendFile>();
    for (const spec of [...RUN_FILES, ...tables]) {
      const file = await AppendFile.create(path.join(root, spec.file), { digests: path.join(root, STATE_DIR, spec.digests) });
      files.set(spec.key, file);
      await file.append(spec.header);
    }
    const start: Pending = {
      checkpoint: { records: 0, fingerprint: EMPTY_FINGERPRINT },
      counters: {},
      files: sizesOf(files),
      digests: digestsOf(files),
      rows: { frames: 0, chunks: 0 },
    };
    const directory = new PredictionDirectory(root, identity, tables, files, start, undefined);
    await directory.commit();
    return directory;
  }

  static async #resume(
    root: string,
    identity: RunIdentity,
    state: StateFile,
    tables: readonly DirectoryTable[],
  ): Promise<PredictionDirectory> {
    const resumed: ResumePoint = {
      checkpoint: state.checkpoint,
      counters: state.counters,
      rows: state.rows,
      complete: state.complete,
      commits: state.commits,
    };
    const start: Pending = {
      checkpoint: state.checkpoint,
      counters: state.counters,
      files: state.files,
      digests: state.digests,
      rows: state.rows,
    };
    if (state.complete) {
      // Nothing to append: the finished files stay as they are (a journal and digests left by a crash just
      // after the final commit go).
      await removeWorkFiles(root, tables);
      return new PredictionDirectory(root, identity, tables, undefined, start, resumed);
    }
    // Each file's committed bytes are checked against their digests before anything is cut or appended.
    const files = new Map<string, AppendFile>();
    try {
      for (const spec of [...RUN_FILES, ...tables]) {
        const size = state.files[spec.key];
        const committed = state.digests?.[spec.key];
        if (size === undefined || (state.digests !== undefined && committed === undefined)) {
          throw new VirnucproError('RESUME_CORRUPT', `holds no committed size of ${spec.file}`, {
            position: { file: path.join(root, STATE_DIR, STATE_FILE) },
            hint: 'the state file was edited or damaged: start over with --force',
          });
        }
        files.set(
          spec.key,
          await AppendFile.continueAt(
            path.join(root, spec.file),
            size,
            committed && { file: path.join(root, STATE_DIR, spec.digests), committed },
          ),
        );
      }
    } catch (error) {
      await Promise.allSettled([...files.values()].map((file) => file.close()));
      throw error;
    }
    return new PredictionDirectory(root, identity, tables, files, start, resumed);
  }

  /** Rows written so far (committed rows of the interrupted run included). */
  get rows(): OutputRows {
    return this.#rows;
  }

  /** The position of the last commit request (what an interrupted run resumes from). */
  get committed(): InputCheckpoint {
    return this.#pending.checkpoint;
  }

  /**
   * Appends a batch's frame rows and consensus rows (in input order), and each optional table's rows for it.
   * `records`: the input records the batch completes (src/classify/recordCalls.ts), which the tables' rows
   * may list; required when the directory writes tables.
   */
  async append(batch: ClassifiedFrames & ConsensusRows, records?: readonly RecordCall[]): Promise<void> {
    const files = this.#open();
    if (records === undefined && this.#tables.length > 0) {
      throw new VirnucproError('INTERNAL', `the records of a batch are missing: ${this.#tables[0]!.file} lists them`);
    }
    await files.get('predictionResults')!.append(predictionResultsRows(batch));
    await files.get('journal')!.append(journalRows(batch));
    for (const table of this.#tables) await files.get(table.key)!.append(table.rows({ batch, records: records ?? [] }));
    this.#rows = { frames: this.#rows.frames + batch.count, chunks: this.#rows.chunks + batch.consensus.count };
  }

  /**
   * Marks a record boundary: everything appended so far covers exactly the records of `checkpoint`. Commits
   * when COMMIT_INTERVAL_MS has passed since the last commit; otherwise the next commit (a later checkpoint,
   * {@link commit}, or {@link finish}) records this position.
   */
  async checkpoint(checkpoint: InputCheckpoint, counters: RunCounters): Promise<void> {
    const files = this.#open();
    this.#pending = {
      checkpoint,
      counters: { ...counters },
      files: sizesOf(files),
      digests: digestsOf(files),
      rows: this.#rows,
    };
    if (performance.now() - this.#lastCommit >= this.#commitIntervalMs) await this.commit();
  }

  /**
   * Makes the last checkpoint durable: data files synced first, then the state file replaced atomically, so
   * the state never points past data that is on disk. Rows appended after that checkpoint are not covered
   * (a resume truncates them away and redoes their records).
   */
  async commit(options: { inputComplete?: boolean; complete?: boolean } = {}): Promise<void> {
    const files = this.#open();
    this.#beforeCommit();
    for (const file of files.values()) await file.sync();
    this.#commits += 1;
    const pending = this.#pending;
    const state: StateFile = {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      identity: this.#identity,
      checkpoint: pending.checkpoint,
      files: pending.files,
      ...(pending.digests ? { digests: pending.digests } : {}),
      rows: pending.rows,
      counters: pending.counters,
      inputComplete: options.inputComplete ?? false,
      complete: options.complete ?? false,
      commits: this.#commits,
      updatedAt: new Date().toISOString(),
    };
    await writeFileAtomic(path.join(this.dir, STATE_DIR, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
    this.#committedFiles = pending.files;
    this.#lastCommit = performance.now();
  }

  /**
   * Ends a run whose input was consumed completely (`checkpoint` is the end of input): commits, writes the
   * sorted consensus file from the journal, the run summary (made by `summary` from the sort's counts), and
   * marks the run complete. The journal is then removed. Returns the sort's counts.
   */
  async finish(
    checkpoint: InputCheckpoint,
    counters: RunCounters,
    summary: (sort: ConsensusSortResult) => unknown,
    sort: Omit<ConsensusSortOptions, 'tempDir'> = {},
  ): Promise<ConsensusSortResult> {
    const journal = this.#open().get('journal')!;
    await this.checkpoint(checkpoint, counters);
    await this.commit({ inputComplete: true });
    const result = await sortConsensus(journal.path, path.join(this.dir, HIGHEST_SCORE_FILE), {
      ...sort,
      tempDir: path.join(this.dir, STATE_DIR),
    });
    await writeFileAtomic(path.join(this.dir, RUN_SUMMARY_FILE), `${JSON.stringify(summary(result), null, 2)}\n`);
    await this.commit({ inputComplete: true, complete: true });
    await this.close();
    await removeWorkFiles(this.dir, this.#tables);
    await syncDirectory(path.join(this.dir, STATE_DIR));
    return result;
  }

  /**
   * Ends a run that failed or was interrupted: commits the last checkpoint (when that fails, the previous
   * commit stands), then cuts both data files back to the last commit, so that they hold exactly the rows of
   * the records it covers (whole input batches, never part of one) and nothing a resume would redo. Closes
   * the files. Never throws: the run's own error is what the caller reports.
   */
  async abandon(): Promise<void> {
    if (!this.#files) return;
    await this.commit().catch(() => undefined);
    const committed = this.#committedFiles;
    await Promise.allSettled([...this.#files].map(([key, file]) => file.truncate(committed[key] ?? 0)));
    await this.close();
  }

  /** Closes the data files (after an error or an interruption: commit first to keep the work done, or use {@link abandon}). */
  async close(): Promise<void> {
    if (this.#files) await Promise.allSettled([...this.#files.values()].map((file) => file.close()));
  }

  #open(): DataFiles {
    if (!this.#files) throw new VirnucproError('INTERNAL', 'the results of a complete run cannot be written again');
    return this.#files;
  }
}

/** The size of each data file, buffered bytes included. */
function sizesOf(files: DataFiles): FileSizes {
  return Object.fromEntries([...files].map(([key, file]) => [key, file.size])) as FileSizes;
}

/** The digests of every data file's appended bytes; undefined for files continued without digests (a state from before they were kept). */
function digestsOf(files: DataFiles): Digests | undefined {
  const digests = [...files].map(([key, file]) => [key, file.digest()] as const);
  return digests.every(([, digest]) => digest !== undefined) ? (Object.fromEntries(digests) as Digests) : undefined;
}

/** Removes what only an unfinished run needs: the consensus journal and the block digests (those of every listed table too). */
async function removeWorkFiles(root: string, tables: readonly DirectoryTable[]): Promise<void> {
  const specs = [...RUN_FILES, ...new Set([...LISTED_TABLES, ...tables])];
  const work = [path.join(STATE_DIR, JOURNAL_FILE), ...specs.map((spec) => path.join(STATE_DIR, spec.digests))];
  await Promise.all(work.map((name) => rm(path.join(root, name), { force: true })));
}

/** What {@link PredictionDirectory.open} does with a directory: continue its run, or start one (first clearing its own files). */
type OpenPlan = { readonly action: 'resume'; readonly state: StateFile } | { readonly action: 'create'; readonly clear: boolean };

/** RESUME_MISMATCH naming every field of the identity that changed since the interrupted run. */
function checkIdentity(root: string, state: StateFile, identity: RunIdentity): void {
  const differences = differingFields(state.identity, identity);
  if (differences.length > 0) {
    throw new VirnucproError('RESUME_MISMATCH', `cannot resume: ${differences.join('; ')}`, {
      position: { file: path.join(root, STATE_DIR, STATE_FILE) },
      hint: 'resume with the same input, models and options as the interrupted run, or start over with --force',
    });
  }
}

/** Whether `dir` holds a run that finished (its committed state says complete): what `virnucpro merge` requires of a part. */
export async function isCompleteRun(dir: string): Promise<boolean> {
  return (await readState(path.resolve(dir)))?.complete === true;
}

async function readState(root: string): Promise<StateFile | undefined> {
  const file = path.join(root, STATE_DIR, STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new VirnucproError('RESUME_CORRUPT', `cannot read: ${(error as Error).message}`, { position: { file }, cause: error });
  }
  let state: StateFile;
  try {
    state = JSON.parse(text) as StateFile;
  } catch (error) {
    throw new VirnucproError('RESUME_CORRUPT', `not valid JSON: ${(error as Error).message}`, {
      position: { file },
      hint: 'the state file is replaced atomically, so this one was edited or damaged: start over with --force',
      cause: error,
    });
  }
  if (
    state?.format !== STATE_FORMAT ||
    state.version !== STATE_VERSION ||
    typeof state.checkpoint?.records !== 'number' ||
    typeof state.files?.predictionResults !== 'number' ||
    typeof state.files.journal !== 'number'
  ) {
    throw new VirnucproError(
      'RESUME_CORRUPT',
      `not a state file this version of virnucpro can resume from (format ${String(state?.format)}, version ${String(state?.version)})`,
      {
        position: { file },
        hint: 'resume with the virnucpro version that started the run, or start over with --force',
      },
    );
  }
  return state;
}

/** `field: was X, now Y` for every leaf that differs between two identities. */
export function differingFields(before: unknown, now: unknown, prefix = ''): string[] {
  if (isObject(before) && isObject(now)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(now)])].sort();
    return keys.flatMap((key) => differingFields(before[key], now[key], prefix ? `${prefix}.${key}` : key));
  }
  const a = JSON.stringify(before);
  const b = JSON.stringify(now);
  return a === b ? [] : [`${prefix || 'identity'} was ${a ?? 'absent'}, now ${b ?? 'absent'}`];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
