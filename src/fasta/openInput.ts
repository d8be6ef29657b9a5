import { open, type FileHandle } from 'node:fs/promises';
import { addAbortSignal } from 'node:stream';
import { VirnucproError } from '../errors.js';
import { decompress } from './decompress.js';

/**
 * Bytes per file read. Large reads keep per-chunk costs (a syscall, a promise, the parser's chunk setup)
 * negligible at hundreds of MB/s. Memory: one fresh buffer of this size per read, alive until the parser has
 * copied it (the parser keeps no reference).
 */
export const READ_CHUNK_BYTES = 256 * 1024;

export interface OpenInputOptions {
  /** Bytes per read from a file (integer ≥ 1). Default 256 KiB. */
  readonly chunkBytes?: number;
  /** Aborting stops reading; the iteration rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_OPEN_INPUT = { chunkBytes: READ_CHUNK_BYTES } as const satisfies OpenInputOptions;

/**
 * The bytes of an input, decompressed: `input` is a path, or `-` for stdin (decided from the argument only,
 * never from whether stdin is a terminal). Compression is sniffed from the first bytes ({@link decompress}).
 *
 * Lazy: nothing is opened or read before iteration starts; `return()` (a `break` out of `for await`) closes
 * the file. Each iteration opens the input anew. Errors: INPUT_NOT_FOUND (missing path, a directory),
 * INPUT_READ (permission, I/O), plus decompress's codes; each names the path.
 */
export function openInput(input: string, options: OpenInputOptions = {}): AsyncIterable<Uint8Array> {
  if (typeof input !== 'string' || input === '') throw new TypeError("input must be a path or '-' for stdin");
  const chunkBytes = options.chunkBytes ?? DEFAULT_OPEN_INPUT.chunkBytes;
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
    throw new TypeError(`options.chunkBytes must be an integer >= 1 (got ${String(chunkBytes)})`);
  }
  const { signal } = options;
  const raw = (): AsyncIterable<Uint8Array> => (input === '-' ? readStdin(signal) : readFile(input, chunkBytes, signal));
  return { [Symbol.asyncIterator]: () => decompress(raw(), { name: input, ...(signal ? { signal } : {}) }) };
}

async function* readFile(path: string, chunkBytes: number, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw openError(path, error);
  }
  try {
    if ((await handle.stat()).isDirectory()) throw directoryError(path);
    for (;;) {
      signal?.throwIfAborted();
      // A fresh buffer per read: the consumer (zlib) may still hold the previous one. allocUnsafeSlow is
      // never a slice of Node's shared pool.
      const buffer = Buffer.allocUnsafeSlow(chunkBytes);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, chunkBytes, null));
      } catch (error) {
        throw readError(path, error);
      }
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

async function* readStdin(signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  const stdin = signal ? addAbortSignal(signal, process.stdin) : process.stdin;
  try {
    for await (const chunk of stdin) yield chunk as Buffer;
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw readError('-', error);
  }
}

function openError(path: string, error: unknown): VirnucproError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new VirnucproError('INPUT_NOT_FOUND', `expected an input file but found no file at ${path}`, {
      position: { file: path },
      hint: "check the path; use '-' to read stdin",
      cause: error,
    });
  }
  if (code === 'EISDIR') return directoryError(path);
  return readError(path, error);
}

function directoryError(path: string): VirnucproError {
  return new VirnucproError('INPUT_NOT_FOUND', `expected a FASTA file but ${path} is a directory`, {
    position: { file: path },
    hint: 'name a FASTA file inside it',
  });
}

function readError(path: string, error: unknown): VirnucproError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (error as Error).message;
  return new VirnucproError('INPUT_READ', `cannot read ${path}: ${reason}`, {
    position: { file: path },
    ...(code === 'EACCES' || code === 'EPERM' ? { hint: `check the file's permissions (ls -l ${path})` } : {}),
    cause: error,
  });
}
