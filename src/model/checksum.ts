import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * Bytes per read while hashing. 1 MiB hashed ~1.5-2x faster than the stream default of 64 KiB (measured on
 * a 300 MB file: 1.1-1.8 s/GiB against 2.4-2.9 s/GiB); memory: one buffer of this size while it runs.
 */
const CHECKSUM_READ_BYTES = 1 << 20;

/**
 * Lowercase hex sha256 of a file, streamed (model files reach ~11 GiB; memory stays at one read buffer).
 * Rejects with the read error, or with the signal's reason when aborted.
 */
export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream(file, { highWaterMark: CHECKSUM_READ_BYTES, ...(signal ? { signal } : {}) });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Lowercase hex sha256 of bytes already in memory (a manifest, a tokenizer.json: read once, hashed and parsed). */
export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
