import { open, type FileHandle } from 'node:fs/promises';
import { VirnucproError } from '../errors.js';

/**
 * Bytes gathered before a write call. Rows arrive a few dozen bytes at a time; 1 MiB per write keeps system
 * calls rare while bounding what a crash can lose before the next commit. Memory: 1 MiB per open file.
 */
export const APPEND_BUFFER_BYTES = 1 << 20;

/**
 * A file written only at its end, with its exact size known: what the resumable outputs need (a commit
 * records each file's size; a resume truncates back to it). Text is latin1 (ids are ASCII).
 */
export class AppendFile {
  readonly path: string;
  readonly #handle: FileHandle;
  #pending: string[] = [];
  #pendingBytes = 0;
  #size: number;

  private constructor(path: string, handle: FileHandle, size: number) {
    this.path = path;
    this.#handle = handle;
    this.#size = size;
  }

  /** Creates `path` empty (replacing any file there). */
  static async create(path: string): Promise<AppendFile> {
    return new AppendFile(path, await openOrFail(path, 'w'), 0);
  }

  /**
   * Opens `path` to continue it after its first `size` bytes, cutting off anything written after them (a
   * resume after a crash). A file shorter than `size` was damaged after its commit: RESUME_CORRUPT.
   */
  static async continueAt(path: string, size: number): Promise<AppendFile> {
    const handle = await openOrFail(path, 'r+');
    const actual = (await handle.stat()).size;
    if (actual < size) {
      await handle.close();
      throw new VirnucproError('RESUME_CORRUPT', `has ${actual} bytes, but ${size} were committed`, {
        position: { file: path },
        hint: 'the output directory was changed after the interrupted run: start over with --force',
      });
    }
    await handle.truncate(size);
    return new AppendFile(path, handle, size);
  }

  /** Bytes written so far, buffered ones included. */
  get size(): number {
    return this.#size;
  }

  /** Appends `text` (latin1); written once the buffer holds APPEND_BUFFER_BYTES, or at {@link flush}. */
  async append(text: string): Promise<void> {
    if (text.length === 0) return;
    this.#pending.push(text);
    this.#pendingBytes += text.length;
    this.#size += text.length;
    if (this.#pendingBytes >= APPEND_BUFFER_BYTES) await this.flush();
  }

  /** Hands the buffered bytes to the OS. */
  async flush(): Promise<void> {
    if (this.#pendingBytes === 0) return;
    const bytes = Buffer.from(this.#pending.join(''), 'latin1');
    // Explicit positions: a file continued after a resume is open 'r+', whose position starts at 0.
    const position = this.#size - this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    try {
      let at = 0;
      while (at < bytes.length) at += (await this.#handle.write(bytes, at, bytes.length - at, position + at)).bytesWritten;
    } catch (error) {
      throw outputError(this.path, error);
    }
  }

  /** Flushes, then waits until the data is on the storage device (fdatasync): the first step of a commit. */
  async sync(): Promise<void> {
    await this.flush();
    try {
      await this.#handle.datasync();
    } catch (error) {
      throw outputError(this.path, error);
    }
  }

  /**
   * Cuts the file back to its first `size` bytes (≤ {@link size}), dropping anything buffered after them:
   * after a failed run, so that the file holds exactly what the last commit recorded.
   */
  async truncate(size: number): Promise<void> {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.#size) {
      throw new VirnucproError('INTERNAL', `cannot cut ${this.path} back to ${size} bytes: it has ${this.#size}`);
    }
    await this.flush();
    try {
      await this.#handle.truncate(size);
    } catch (error) {
      throw outputError(this.path, error);
    }
    this.#size = size;
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}

async function openOrFail(path: string, flags: string): Promise<FileHandle> {
  try {
    return await open(path, flags);
  } catch (error) {
    throw outputError(path, error);
  }
}

/** Write failures a user can act on: what to call them and what to do. Others keep the system's message. */
const WRITE_FAILURES: Readonly<Record<string, { readonly what: string; readonly hint: string }>> = {
  EROFS: { what: 'the filesystem is read-only (EROFS)', hint: 'choose an output on a writable filesystem' },
  EACCES: { what: 'permission denied (EACCES)', hint: 'check the permissions of the output directory (ls -ld), or choose another' },
  EPERM: { what: 'operation not permitted (EPERM)', hint: 'check the permissions and attributes of the output directory (ls -ld, lsattr -d), or choose another' },
  ENOSPC: { what: 'no space left on the device (ENOSPC)', hint: 'free space on the output filesystem (with -o, then add --resume to continue)' },
  EDQUOT: { what: 'disk quota exceeded (EDQUOT)', hint: 'free space within your quota (with -o, then add --resume to continue)' },
};

/** A write error (ENOSPC, EROFS, EACCES…) as OUTPUT_WRITE, naming the file and, where known, the cause in words. */
export function outputError(path: string, error: unknown, action = 'cannot write'): VirnucproError {
  const known = WRITE_FAILURES[(error as NodeJS.ErrnoException).code ?? ''];
  return new VirnucproError('OUTPUT_WRITE', `${action}: ${known ? `${known.what}: ` : ''}${(error as Error).message}`, {
    position: { file: path },
    hint: known?.hint ?? 'check free space and permissions of the output directory',
    cause: error,
  });
}
