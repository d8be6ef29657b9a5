import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { VirnucproError } from '../errors.js';

/**
 * Bytes per decompressed chunk. zlib's default (16 KiB) would make the parser's per-chunk work show; 256 KiB
 * matches the file reads. Memory: one such buffer in flight inside zlib, plus the chunk being parsed.
 */
export const GUNZIP_CHUNK_BYTES = 256 * 1024;

/** Longest magic number sniffed (xz's is 6 bytes). */
export const MAGIC_BYTES = 6;

/** What the first bytes of an input say it is. */
export type InputFormat = 'plain' | 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'zip';

/** Formats recognised by magic but not decoded: the command to run instead. */
const UNSUPPORTED: Readonly<Record<Exclude<InputFormat, 'plain' | 'gzip'>, string>> = {
  bzip2: 'bzip2 -dc',
  xz: 'xz -dc',
  zstd: 'zstd -dc',
  zip: 'unzip -p',
};

export interface DecompressOptions {
  /** Input name for messages (a path, `-`). */
  readonly name: string;
  readonly signal?: AbortSignal;
}

/**
 * Yields the decompressed bytes of `chunks`, deciding the format from its first bytes (never the name):
 * gzip (1f 8b) is gunzipped, all members of a multi-member file (`cat a.gz b.gz`) included; anything without
 * a known magic passes through unchanged; bzip2, xz, zstd and zip are refused with the command that
 * decompresses them (INPUT_COMPRESSION). A truncated gzip gives GZIP_TRUNCATED, a damaged one GZIP_CORRUPT.
 * Nothing is read before the first `next()`; `return()` closes `chunks`.
 */
export async function* decompress(
  chunks: AsyncIterable<Uint8Array>,
  options: DecompressOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const iterator = chunks[Symbol.asyncIterator]();
  try {
    const { head, format } = await sniffHead(iterator);
    if (format === 'gzip') {
      yield* refuseCompressedInside(gunzip(followedBy(head, iterator), options), options);
    } else if (format === 'plain') {
      yield* followedBy(head, iterator);
    } else {
      throw new VirnucproError('INPUT_COMPRESSION', `expected FASTA text or gzip but found ${format}-compressed data`, {
        position: { file: options.name },
        hint: `decompress first: ${UNSUPPORTED[format]} ${options.name === '-' ? 'FILE' : options.name} | virnucpro … -`,
      });
    }
  } finally {
    // Also when the consumer stops early: closes the file. Harmless on an iterator that has finished.
    await iterator.return?.();
  }
}

/**
 * The gunzipped bytes, refused when they are compressed again (`gzip` of a `.gz`, an `.xz` inside a `.gz`):
 * named here, before the FASTA parser meets them and blames their bytes on a text rule (a stray '\r' read
 * as classic Mac line endings).
 */
async function* refuseCompressedInside(chunks: AsyncGenerator<Uint8Array>, options: DecompressOptions): AsyncGenerator<Uint8Array> {
  const { head, format: inner } = await sniffHead(chunks);
  if (inner !== 'plain') {
    const file = options.name === '-' ? 'FILE' : options.name;
    await chunks.return(undefined);
    throw new VirnucproError(
      'INPUT_COMPRESSION',
      inner === 'gzip'
        ? 'expected FASTA text inside the gzip data but found gzip again: the file is compressed twice'
        : `expected FASTA text inside the gzip data but found ${inner}-compressed data`,
      {
        position: { file: options.name },
        hint:
          inner === 'gzip'
            ? `decompress once more: gunzip -c ${file} | gunzip -c | virnucpro … -`
            : `decompress both layers: gunzip -c ${file} | ${UNSUPPORTED[inner]} | virnucpro … -`,
      },
    );
  }
  try {
    yield* followedBy(head, chunks);
  } finally {
    await chunks.return(undefined);
  }
}

/** The first chunks of `iterator`, enough to hold the magic bytes (or all of a shorter input), and their format. */
async function sniffHead(iterator: AsyncIterator<Uint8Array>): Promise<{ head: Uint8Array[]; format: InputFormat }> {
  const head: Uint8Array[] = [];
  let headBytes = 0;
  while (headBytes < MAGIC_BYTES) {
    const step = await iterator.next();
    if (step.done) break;
    head.push(step.value);
    headBytes += step.value.length;
  }
  return { head, format: sniffFormat(Buffer.concat(head, Math.min(headBytes, MAGIC_BYTES))) };
}

/** The sniffed chunks, then the rest of the iterator (which the caller closes). */
async function* followedBy(head: readonly Uint8Array[], iterator: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* head;
  for (;;) {
    const step = await iterator.next();
    if (step.done) return;
    yield step.value;
  }
}

/** The format of an input from its first (up to 6) bytes; 'plain' when no known magic number matches. */
export function sniffFormat(magic: Uint8Array): InputFormat {
  const startsWith = (...bytes: number[]): boolean => bytes.every((b, i) => magic[i] === b);
  if (startsWith(0x1f, 0x8b)) return 'gzip';
  if (startsWith(0x42, 0x5a, 0x68)) return 'bzip2';
  if (startsWith(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (startsWith(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  if (startsWith(0x50, 0x4b, 0x03, 0x04)) return 'zip';
  return 'plain';
}

async function* gunzip(compressed: AsyncIterable<Uint8Array>, options: DecompressOptions): AsyncGenerator<Uint8Array> {
  const inflater = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  // pipeline destroys both streams on error or early return, which closes the source iterator.
  const output = pipeline(Readable.from(compressed, { objectMode: false }), inflater, () => undefined);
  const onAbort = (): void => {
    output.destroy(options.signal?.reason as Error);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of output) yield chunk as Buffer;
  } catch (error) {
    throw gunzipError(error, options);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    output.destroy();
  }
}

/** zlib's errors in our words; errors from the source (read errors, aborts) pass through. */
function gunzipError(error: unknown, options: DecompressOptions): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'Z_BUF_ERROR') {
    return new VirnucproError('GZIP_TRUNCATED', 'expected more gzip data but the input ended (truncated download or copy?)', {
      position: { file: options.name },
      hint: 'check the file with gzip -t; re-download or re-copy it',
      cause: error,
    });
  }
  if (code === 'Z_DATA_ERROR') {
    return new VirnucproError('GZIP_CORRUPT', `expected valid gzip data but zlib says: ${(error as Error).message}`, {
      position: { file: options.name },
      hint: 'check the file with gzip -t; data appended after the last gzip member also causes this',
      cause: error,
    });
  }
  return error;
}
