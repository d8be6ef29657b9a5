import { open, rename } from 'node:fs/promises';
import path from 'node:path';
import { outputError } from './appendFile.js';

/**
 * Replaces `file` with `text` so that after a crash at any moment the file holds either the old or the new
 * text in full: write a temporary file beside it, fsync it, rename it over `file`, fsync the directory (so the
 * rename itself is on disk).
 */
export async function writeFileAtomic(file: string, text: string | Uint8Array): Promise<void> {
  const temporary = `${file}.tmp`;
  try {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    await syncDirectory(path.dirname(file));
  } catch (error) {
    throw outputError(file, error);
  }
}

/** fsync of a directory: makes file creations, renames and removals in it durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
