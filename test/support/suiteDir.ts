import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** Paths and reads under a suite's temporary directory. */
export interface SuiteDir {
  /** The path of `names` under the directory. */
  at(...names: string[]): string;
  /** A file under it as Latin-1 text: byte for byte, whatever it holds. */
  read(...names: string[]): Promise<string>;
  /** A JSON file under it (read as {@link read} reads it). */
  json(...names: string[]): Promise<Record<string, any>>;
}

/**
 * A fresh directory under the OS temp dir for the suite this is called in: made before the `beforeAll` hooks
 * registered after this call (vitest runs them in order), removed with everything in it after the suite.
 */
export function suiteDir(prefix: string): SuiteDir {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), prefix));
  });
  afterAll(() => (dir === undefined ? undefined : rm(dir, { recursive: true, force: true })));
  const at = (...names: string[]): string => {
    if (dir === undefined) throw new Error(`suiteDir('${prefix}') used before its beforeAll ran`);
    return path.join(dir, ...names);
  };
  const read = (...names: string[]): Promise<string> => readFile(at(...names), 'latin1');
  const json = async (...names: string[]): Promise<Record<string, any>> => JSON.parse(await read(...names)) as Record<string, any>;
  return { at, read, json };
}
