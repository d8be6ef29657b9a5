import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * Lowercase hex sha256 of a file, streamed (model files reach ~11 GiB; memory stays at one read buffer).
 * Rejects with the read error, or with the signal's reason when aborted.
 */
export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, signal ? { signal } : {})) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
