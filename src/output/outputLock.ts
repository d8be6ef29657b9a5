import * as fs from 'node:fs';
import { mkdir, readFile, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { VirnucproError } from '../errors.js';
import { outputError } from './appendFile.js';

/**
 * One owner per output directory (docs/adr/0008-output-directory-lock.md): `predict -o DIR` holds
 * DIR/.virnucpro.lock from before it touches anything in DIR until its last commit, so that a second run on
 * the same directory (fresh, --resume or --force, on this host or another one sharing the filesystem) is
 * refused at once instead of interleaving commits with the first.
 *
 * The lock is proper-lockfile's: a directory made with mkdir (atomic on NFS and Lustre too), its mtime
 * refreshed as a heartbeat; a lock whose heartbeat is older than LOCK_STALE_MS is stale and taken over.
 * `owner.json` inside it names the holder. On the same host a holder whose pid is gone (kill -9, a node
 * crash) is taken over at once, so that `--resume` after a crash just works.
 */

/** The lock's name in the output directory (PredictionDirectory ignores it). */
export const LOCK_ENTRY = '.virnucpro.lock';
const OWNER_FILE = 'owner.json';
/**
 * A heartbeat older than this marks a lock stale. Generous: an NFS client's attribute cache and a loaded
 * machine delay heartbeats by seconds, and taking over a live lock is far worse than waiting.
 */
export const LOCK_STALE_MS = 30_000;
/** Heartbeat period (proper-lockfile refreshes the lock directory's mtime). */
const LOCK_UPDATE_MS = 5_000;

/** Who holds a lock: written into it by the holder. */
export interface LockOwner {
  readonly host: string;
  readonly pid: number;
  /** ISO time the lock was taken. */
  readonly since: string;
  readonly command: string;
}

/**
 * The filesystem proper-lockfile works through. Its mkdir also writes owner.json into the new lock, before
 * proper-lockfile reads the lock's mtime (a file created afterwards would change that mtime, which
 * proper-lockfile then takes for another process's heartbeat). Its rmdir removes owner.json with the lock
 * (release, a stale takeover, the exit hook).
 */
function lockFs(lockPath: string, owner: LockOwner): typeof fs {
  return {
    ...fs,
    mkdir: ((dir: string, callback: (error: NodeJS.ErrnoException | null) => void): void => {
      fs.mkdir(dir, (error) => {
        if (error || dir !== lockPath) return callback(error);
        fs.writeFile(path.join(dir, OWNER_FILE), `${JSON.stringify(owner)}\n`, (writeError) => {
          if (!writeError) return callback(null);
          fs.rm(dir, { recursive: true, force: true }, () => callback(writeError));
        });
      });
    }) as typeof fs.mkdir,
    rmdir: ((dir: string, callback: (error: NodeJS.ErrnoException | null) => void): void =>
      fs.rm(dir, { recursive: true, force: false }, callback)) as typeof fs.rmdir,
    rmdirSync: (dir: fs.PathLike): void => fs.rmSync(dir, { recursive: true, force: false }),
  };
}

export class OutputLock {
  readonly dir: string;
  readonly #release: () => Promise<void>;
  readonly #created: boolean;
  #lost: Error | undefined;

  private constructor(dir: string, release: () => Promise<void>, created: boolean) {
    this.dir = dir;
    this.#release = release;
    this.#created = created;
  }

  /**
   * Takes the lock on `dir` (created if absent), or throws OUTPUT_LOCKED naming the holder (host, pid,
   * since when). A stale lock is taken over; an unwritable directory is OUTPUT_WRITE naming the cause.
   */
  static async acquire(dir: string): Promise<OutputLock> {
    const root = path.resolve(dir);
    const created = await makeDirectory(root);
    const lockPath = path.join(root, LOCK_ENTRY);
    const owner: LockOwner = {
      host: hostname(),
      pid: process.pid,
      since: new Date().toISOString(),
      command: process.argv.slice(2).join(' '),
    };
    let holder: OutputLock | undefined;
    const options = {
      lockfilePath: lockPath,
      realpath: false,
      stale: LOCK_STALE_MS,
      update: LOCK_UPDATE_MS,
      retries: 0,
      fs: lockFs(lockPath, owner),
      onCompromised: (error: Error) => holder?.lose(error),
    };
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(root, options).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ELOCKED' || !(await takeOverDeadOwner(lockPath))) throw error;
        return lockfile.lock(root, options);
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') throw await lockedError(root, lockPath);
      throw outputError(root, error, 'cannot lock the output directory');
    }
    holder = new OutputLock(root, release, created);
    return holder;
  }

  /** Throws OUTPUT_WRITE when the lock was lost (its heartbeat failed): nothing may be committed any more. */
  check(): void {
    if (this.#lost) {
      throw new VirnucproError('OUTPUT_WRITE', `lost the lock on the output directory: ${this.#lost.message}`, {
        position: { file: this.dir },
        hint: 'another process may have taken the directory over: check who writes there, then resume with --resume',
      });
    }
  }

  /**
   * Releases the lock. When acquire created `dir` and nothing else was written there (a run refused before
   * its first output), the directory goes too.
   */
  async release(): Promise<void> {
    if (!this.#lost) await this.#release().catch(() => undefined);
    if (this.#created && (await readdir(this.dir).catch(() => [''])).length === 0) await rmdir(this.dir).catch(() => undefined);
  }

  /** proper-lockfile's onCompromised: the heartbeat failed, so another process may take the lock over. */
  lose(error: Error): void {
    this.#lost = error;
  }
}

/**
 * Creates `dir` and its missing parents; returns whether it created `dir`. Node's recursive mkdir reports
 * ENOENT where the real cause is a read-only filesystem or a permission (EROFS, EACCES): the first missing
 * directory is then made alone, which fails with the real code, and that is what OUTPUT_WRITE names.
 */
async function makeDirectory(dir: string): Promise<boolean> {
  try {
    return (await mkdir(dir, { recursive: true })) !== undefined;
  } catch (error) {
    let missing = dir;
    while (
      path.dirname(missing) !== missing &&
      !(await stat(path.dirname(missing)).then(
        () => true,
        () => false,
      ))
    )
      missing = path.dirname(missing);
    const cause = await mkdir(missing).then(
      () => error,
      (direct: unknown) => direct,
    );
    throw outputError(dir, cause, 'cannot create the output directory');
  }
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(path.join(lockPath, OWNER_FILE), 'utf8')) as LockOwner;
    return typeof owner.host === 'string' && Number.isSafeInteger(owner.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes a lock whose owner ran on this host and is gone (its heartbeat has not aged enough yet for
 * proper-lockfile to call it stale). Returns whether it did. Another host's pids mean nothing here: those
 * locks go stale by their heartbeat only.
 */
async function takeOverDeadOwner(lockPath: string): Promise<boolean> {
  const owner = await readOwner(lockPath);
  if (!owner || owner.host !== hostname() || owner.pid === process.pid || isAlive(owner.pid)) return false;
  await rm(lockPath, { recursive: true, force: true });
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function lockedError(root: string, lockPath: string): Promise<VirnucproError> {
  const owner = await readOwner(lockPath);
  const who = owner ? `process ${owner.pid} on host ${owner.host} since ${owner.since}` : 'another process (it is recording its name)';
  return new VirnucproError('OUTPUT_LOCKED', `the output directory is in use by ${who}`, {
    position: { file: root },
    hint:
      'wait for that run to end (or stop it), or choose another -o directory; a lock left by a killed run is ' +
      `taken over by itself (at once on the same host, ${LOCK_STALE_MS / 1000} s after its last heartbeat from another host)`,
  });
}
