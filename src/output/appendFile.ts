import { createHash } from 'node:crypto';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { DIGEST_BLOCK_BYTES, DIGEST_BYTES, PrefixHasher, type PrefixDigest } from './prefixDigest.js';
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
  /** The block digests of this file (itself an AppendFile without digests), when kept. */
  readonly #digests: AppendFile | undefined;
  /** Set while the digest covers exactly the bytes appended (a truncation ends that). */
  #hasher: PrefixHasher | undefined;
  #pending: string[] = [];
  #pendingBytes = 0;
  #size: number;

  private constructor(
    path: string,
    handle: FileHandle,
    size: number,
    digests?: { readonly file: AppendFile; readonly hasher: PrefixHasher },
  ) {
    this.path = path;
    this.#handle = handle;
    this.#size = size;
    this.#digests = digests?.file;
    this.#hasher = digests?.hasher;
  }

  /**
   * Creates `path` empty (replacing any file there). With `digests`, a digest file of that name is kept
   * beside it: the sha256 of every 4 KiB block appended (prefixDigest.ts), for {@link digest}.
   */
  static async create(path: string, options: { readonly digests?: string } = {}): Promise<AppendFile> {
    const handle = await openOrFail(path, 'w');
    if (options.digests === undefined) return new AppendFile(path, handle, 0);
    return new AppendFile(path, handle, 0, { file: await AppendFile.create(options.digests), hasher: new PrefixHasher() });
  }

  /**
   * Opens `path` to continue it after its first `size` bytes, cutting off anything written after them (a
   * resume after a crash). A file shorter than `size` was damaged after its commit: RESUME_CORRUPT. With
   * `digests` (the digest file and what the commit recorded), the committed bytes are first checked against
   * their block digests: a changed byte is RESUME_CORRUPT naming the offset of its block, and nothing is
   * written or cut.
   */
  static async continueAt(
    path: string,
    size: number,
    digests?: { readonly file: string; readonly committed: PrefixDigest },
  ): Promise<AppendFile> {
    const handle = await openOrFail(path, 'r+');
    try {
      const actual = (await handle.stat()).size;
      if (actual < size) {
        throw new VirnucproError('RESUME_CORRUPT', `has ${actual} bytes, but ${size} were committed`, {
          position: { file: path },
          hint: 'the output directory was changed after the interrupted run: start over with --force',
        });
      }
      const hasher = digests ? await verifyPrefix(handle, path, size, digests) : undefined;
      await handle.truncate(size);
      if (!digests || !hasher) return new AppendFile(path, handle, size);
      const blocks = Math.floor(size / DIGEST_BLOCK_BYTES);
      return new AppendFile(path, handle, size, { file: await AppendFile.continueAt(digests.file, blocks * DIGEST_BYTES), hasher });
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** What a commit records of the bytes appended so far (buffered ones included); undefined without digests. */
  digest(): PrefixDigest | undefined {
    return this.#hasher?.digest();
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
    const blocks = this.#hasher?.update(text);
    if (blocks) await this.#digests!.append(blocks);
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
    await this.#digests?.sync();
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
    // The digest file stays as it is: a resume cuts it back to the committed blocks.
    this.#hasher = undefined;
  }

  async close(): Promise<void> {
    await this.#handle.close();
    await this.#digests?.close();
  }
}

/** Bytes per read while a resume checks a committed prefix. */
const VERIFY_READ_BYTES = 1 << 20;

/**
 * Checks the first `size` bytes of the file open in `handle` against the committed block digests, and
 * returns the hasher that continues from them. Reads the prefix once (a resume's cost, never a commit's).
 */
async function verifyPrefix(
  handle: FileHandle,
  path: string,
  size: number,
  digests: { readonly file: string; readonly committed: PrefixDigest },
): Promise<PrefixHasher> {
  const blocks = Math.floor(size / DIGEST_BLOCK_BYTES);
  const recorded = await readFile(digests.file).catch((error: unknown) => {
    throw new VirnucproError('RESUME_CORRUPT', `cannot read the block digests of ${path}: ${(error as Error).message}`, {
      position: { file: digests.file },
      hint: 'the output directory was changed after the interrupted run: start over with --force',
    });
  });
  const changed = (offset: number): VirnucproError =>
    new VirnucproError(
      'RESUME_CORRUPT',
      `changed since the last commit: the committed bytes differ from byte offset ${offset} on (in the ${DIGEST_BLOCK_BYTES}-byte block there; ${size} bytes were committed)`,
      {
        position: { file: path },
        hint: 'the committed results were edited or damaged, and a resume would build on them: restore the file, or start over with --force',
      },
    );
  const buffer = Buffer.allocUnsafe(VERIFY_READ_BYTES);
  for (let at = 0; at < blocks * DIGEST_BLOCK_BYTES;) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(VERIFY_READ_BYTES, blocks * DIGEST_BLOCK_BYTES - at), at);
    if (bytesRead === 0) throw changed(at);
    for (let block = 0; block < bytesRead; block += DIGEST_BLOCK_BYTES) {
      const index = (at + block) / DIGEST_BLOCK_BYTES;
      const expected = recorded.subarray(index * DIGEST_BYTES, (index + 1) * DIGEST_BYTES);
      const hash = createHash('sha256')
        .update(buffer.subarray(block, block + DIGEST_BLOCK_BYTES))
        .digest();
      if (expected.length !== DIGEST_BYTES || !hash.equals(expected)) throw changed(at + block);
    }
    at += bytesRead;
  }
  const tail = Buffer.alloc(size - blocks * DIGEST_BLOCK_BYTES);
  if (tail.length > 0) await handle.read(tail, 0, tail.length, blocks * DIGEST_BLOCK_BYTES);
  const hasher = new PrefixHasher(blocks * DIGEST_BLOCK_BYTES);
  hasher.update(tail.toString('latin1'));
  if (hasher.digest().tail !== digests.committed.tail) throw changed(blocks * DIGEST_BLOCK_BYTES);
  return hasher;
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
  EPERM: {
    what: 'operation not permitted (EPERM)',
    hint: 'check the permissions and attributes of the output directory (ls -ld, lsattr -d), or choose another',
  },
  ENOSPC: {
    what: 'no space left on the device (ENOSPC)',
    hint: 'free space on the output filesystem (with -o, then add --resume to continue)',
  },
  EDQUOT: { what: 'disk quota exceeded (EDQUOT)', hint: 'free space within your quota (with -o, then add --resume to continue)' },
};

/**
 * A write error (ENOSPC, EROFS, EACCES…) as OUTPUT_WRITE, naming the file and, where known, the cause in words.
 * `hint` replaces the cause's advice, which speaks of output files and directories (stdout has its own).
 */
export function outputError(path: string, error: unknown, action = 'cannot write', hint?: string): VirnucproError {
  const known = WRITE_FAILURES[(error as NodeJS.ErrnoException).code ?? ''];
  return new VirnucproError('OUTPUT_WRITE', `${action}: ${known ? `${known.what}: ` : ''}${(error as Error).message}`, {
    position: { file: path },
    hint: hint ?? known?.hint ?? 'check free space and permissions of the output directory',
    cause: error,
  });
}
