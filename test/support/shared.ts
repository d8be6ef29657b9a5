import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe } from 'vitest';

/** Repository root (tests run from dist/test/..., so walk up to the folder holding package.json). */
export const REPO_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
})();

/**
 * `../shared` beside the checkout holds the reference oracles (spec, reference outputs, the real DNABERT-S
 * tokenizer). A user's clone does not have it: tests that need it skip with a message instead of failing.
 * VIRNUCPRO_SHARED overrides the location.
 */
export const SHARED_DIR = process.env['VIRNUCPRO_SHARED'] ?? path.resolve(REPO_ROOT, '..', 'shared');
export const sharedAvailable = existsSync(path.join(SHARED_DIR, 'reference'));

/** Path of a file under ../shared. */
export function sharedPath(...parts: string[]): string {
  return path.join(SHARED_DIR, ...parts);
}

/** `describe` for suites that read ../shared: skipped, with the reason printed once, when it is absent. */
export const describeShared: typeof describe = sharedAvailable
  ? describe
  : (((name: string, ...rest: unknown[]) => {
      console.warn(`[skip] ${name}: ${SHARED_DIR} not found (reference data lives beside the checkout; set VIRNUCPRO_SHARED)`);
      return (describe.skip as (...args: unknown[]) => unknown)(name, ...rest);
    }) as unknown as typeof describe);
