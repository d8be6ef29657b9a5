import { fstat } from 'node:fs';
import { open, readFile as readTextFile, stat, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { addAbortSignal } from 'node:stream';
import { VirnucproError } from '../errors.js';
import { MAGIC_BYTES, decompress, sniffFormat } from './decompress.js';
import { recordFormat } from './recordFormat.js';
import { resolveSyncBytes } from './syncPoint.js';
import { ShardCutter, formatShard, shardByteRange, shardReadOffset, shardSourceName, type ByteRange, type Shard } from './shard.js';

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
  /** Read only this shard of a plain file ({@link openShard}). Default: the whole input. */
  readonly shard?: Shard;
  /** With `shard`: the reader's average bytes between sync records (src/fasta/syncPoint.ts). Default 1 MiB. */
  readonly syncBytes?: number;
}

export const DEFAULT_OPEN_INPUT = { chunkBytes: READ_CHUNK_BYTES } as const satisfies OpenInputOptions;

/**
 * The bytes of an input, decompressed: `input` is a path, or `-` for stdin (decided from the argument only,
 * never from whether stdin is a terminal). Compression is sniffed from the first bytes ({@link decompress}).
 *
 * Lazy: nothing is opened or read before iteration starts; `return()` (a `break` out of `for await`) closes
 * the file. Each iteration opens the input anew. Errors: INPUT_NOT_FOUND (missing path, a directory),
 * INPUT_READ (permission, I/O), plus decompress's codes; each names the path. With `options.shard`, the bytes
 * of that shard of a plain file ({@link openShard}).
 */
export function openInput(input: string, options: OpenInputOptions = {}): AsyncIterable<Uint8Array> {
  if (typeof input !== 'string' || input === '') throw new TypeError("input must be a path or '-' for stdin");
  const chunkBytes = resolveChunkBytes(options.chunkBytes);
  const { signal, shard } = options;
  if (shard !== undefined) return { [Symbol.asyncIterator]: () => shardBytes(input, shard, { ...options, chunkBytes }) };
  const raw = (): AsyncIterable<Uint8Array> => (input === '-' ? readStdin(signal) : readFile(input, chunkBytes, signal));
  return { [Symbol.asyncIterator]: () => decompress(raw(), { name: input, ...(signal ? { signal } : {}) }) };
}

/** A shard of a plain FASTA file, open for reading. */
export interface OpenShard {
  /** Input name for messages: the path, plus the byte its line numbers count from when that is not 0. */
  readonly name: string;
  /** The byte range whose header starts make up the shard ({@link shardByteRange}). */
  readonly range: ByteRange;
  /** The shard's bytes, once; the file is closed at their end, on `return()`, or by {@link close}. */
  readonly bytes: AsyncIterable<Uint8Array>;
  /** Closes the file (idempotent); for a caller that stops before reading {@link bytes} to the end. */
  close(): Promise<void>;
}

/**
 * Opens shard `shard` of the plain FASTA file `path` (src/fasta/shard.ts): reads from the range start to its
 * first header, to name the shard, and no byte before it. Errors: stdin and FASTQ (USAGE) and compressed files
 * (INPUT_COMPRESSION) cannot be sharded, both with the command that splits them instead; otherwise those of
 * {@link openInput}.
 */
export async function openShard(path: string, shard: Shard, options: Omit<OpenInputOptions, 'shard'> = {}): Promise<OpenShard> {
  const chunkBytes = resolveChunkBytes(options.chunkBytes);
  const { signal } = options;
  if (path === '-') {
    throw new VirnucproError('USAGE', `cannot read shard ${formatShard(shard)} of stdin: a shard is a byte range of a plain file`, {
      hint: splitHint('FILE'),
    });
  }
  signal?.throwIfAborted();
  const handle = await openFile(path);
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new VirnucproError('USAGE', `cannot read shard ${formatShard(shard)} of ${path}: it is not a regular file`, {
        position: { file: path },
        hint: splitHint(path),
      });
    }
    const magic = Buffer.alloc(MAGIC_BYTES);
    const { bytesRead } = await handle.read(magic, 0, MAGIC_BYTES, 0).catch((error: unknown) => {
      throw readError(path, error);
    });
    const format = sniffFormat(magic.subarray(0, bytesRead));
    if (format !== 'plain') {
      throw new VirnucproError(
        'INPUT_COMPRESSION',
        `cannot read shard ${formatShard(shard)} of ${format}-compressed data: a shard is a byte range of a plain file`,
        {
          position: { file: path },
          hint: splitHint(path),
        },
      );
    }
    // A FASTQ quality line may start with '@' (or '>'): no record start can be found from an arbitrary byte.
    if (recordFormat(magic.subarray(0, bytesRead)) === 'fastq') {
      throw new VirnucproError(
        'USAGE',
        `cannot read shard ${formatShard(shard)} of FASTQ: a FASTQ record cannot be found from an arbitrary byte (a quality line may start with '@')`,
        {
          position: { file: path },
          hint: splitHint(path),
        },
      );
    }
    const range = shardByteRange(info.size, shard);
    const cutter = new ShardCutter(range, resolveSyncBytes(options.syncBytes));
    const chunks = readChunks(handle, path, chunkBytes, signal, shardReadOffset(range));
    // Read up to the shard's first header: its offset names the shard.
    const ahead: Uint8Array[] = [];
    while (cutter.firstByte === undefined && !cutter.done) ahead.push(...(await cutNext(chunks, cutter)));
    async function* bytes(): AsyncGenerator<Uint8Array> {
      try {
        yield* ahead.splice(0);
        while (!cutter.done) yield* await cutNext(chunks, cutter);
      } finally {
        await close();
      }
    }
    return { name: shardSourceName(path, shard, cutter.firstByte ?? range.start), range, bytes: { [Symbol.asyncIterator]: bytes }, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The shard's bytes in the file's next chunk; ends the cutter at the end of the file. */
async function cutNext(chunks: AsyncIterator<Uint8Array>, cutter: ShardCutter): Promise<Uint8Array[]> {
  const step = await chunks.next();
  const pieces = step.done ? cutter.end() : cutter.cut(step.value);
  return pieces.filter((piece) => piece.length > 0);
}

/** How to shard what cannot be sharded: split it into plain files, in order, and run each as an input. */
function splitHint(path: string): string {
  return (
    `split it in input order instead: seqkit split2 -s <records per part> ${path} -O parts/ ` +
    `(not -p, which deals records round-robin), run each part as a whole input, then virnucpro merge their results`
  );
}

async function* shardBytes(path: string, shard: Shard, options: Omit<OpenInputOptions, 'shard'>): AsyncGenerator<Uint8Array> {
  const opened = await openShard(path, shard, options);
  try {
    yield* opened.bytes;
  } finally {
    await opened.close();
  }
}

function resolveChunkBytes(chunkBytes: number | undefined): number {
  const resolved = chunkBytes ?? DEFAULT_OPEN_INPUT.chunkBytes;
  if (!Number.isSafeInteger(resolved) || resolved < 1) {
    throw new TypeError(`options.chunkBytes must be an integer >= 1 (got ${String(resolved)})`);
  }
  return resolved;
}

async function openFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw openError(path, error);
  }
}

async function* readFile(path: string, chunkBytes: number, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  const handle = await openFile(path);
  try {
    if ((await handle.stat()).isDirectory()) throw directoryError(path);
    yield* readChunks(handle, path, chunkBytes, signal, null);
  } finally {
    await handle.close();
  }
}

/** The file's bytes from `position` (null: the current one) to its end, in reads of `chunkBytes`. */
async function* readChunks(
  handle: FileHandle,
  path: string,
  chunkBytes: number,
  signal: AbortSignal | undefined,
  position: number | null,
): AsyncGenerator<Uint8Array> {
  let at = position;
  for (;;) {
    signal?.throwIfAborted();
    // A fresh buffer per read: the consumer (zlib) may still hold the previous one. allocUnsafeSlow is
    // never a slice of Node's shared pool.
    const buffer = Buffer.allocUnsafeSlow(chunkBytes);
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buffer, 0, chunkBytes, at));
    } catch (error) {
      throw readError(path, error);
    }
    if (bytesRead === 0) return;
    if (at !== null) at += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

async function* readStdin(signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  if (await stdinWasClosed()) {
    throw new VirnucproError('INPUT_READ', "cannot read stdin ('-'): it is closed, nothing is connected to it", {
      position: { file: '-' },
      hint: "pipe the FASTA in (zcat reads.fa.gz | virnucpro … -) or name the input file instead of '-'",
    });
  }
  const stdin = signal ? addAbortSignal(signal, process.stdin) : process.stdin;
  try {
    for await (const chunk of stdin) yield chunk as Buffer;
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw readError('-', error);
  }
}

/**
 * Whether the process started with stdin closed (`<&-`, a daemon, a job runner without stdin), which must not
 * read as an empty input. Node replaces a closed fd 0 with /dev/null opened read-write before any script
 * runs; a shell's `< /dev/null` opens it read-only, and an empty file or pipe is no device. Linux only (it
 * reads /proc): elsewhere a closed stdin still reads as empty.
 */
async function stdinWasClosed(): Promise<boolean> {
  try {
    const [stdin, devNull] = await Promise.all([promisify(fstat)(0), stat('/dev/null')]);
    if (!stdin.isCharacterDevice() || stdin.rdev !== devNull.rdev) return false;
    const flags = /^flags:\s*([0-7]+)$/m.exec(await readTextFile('/proc/self/fdinfo/0', 'utf8'))?.[1];
    return flags !== undefined && (parseInt(flags, 8) & 3) === 2; // O_RDWR
  } catch {
    return false;
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
