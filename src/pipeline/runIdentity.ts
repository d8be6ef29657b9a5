import { stat } from 'node:fs/promises';
import path from 'node:path';
import { selectionIdentity, type InputSelection, type SelectionIdentity } from '../fasta/inputSelection.js';
import type { ModelBundle } from '../model/bundle.js';

/**
 * What identifies a `predict` run for a resume (src/output/predictionDirectory.ts compares it field by
 * field) and for the run summary: the input file, the bundle, and the options that change results.
 */

/**
 * A regular file by path, size and modification time; stdin and pipes by name only (their prefix fingerprint
 * is checked); and the part of it read (src/fasta/inputSelection.ts: the shard), which a resume must read again.
 */
export interface InputIdentity extends SelectionIdentity {
  readonly path: string;
  readonly size?: number;
  readonly mtime?: string;
}

export async function inputIdentity(input: string, selection: InputSelection = {}): Promise<InputIdentity> {
  const which = selectionIdentity(selection);
  if (input === '-') return { path: '-', ...which };
  const resolved = path.resolve(input);
  const info = await stat(resolved).catch(() => undefined);
  return info?.isFile() ? { path: resolved, size: info.size, mtime: info.mtime.toISOString(), ...which } : { path: resolved, ...which };
}

/**
 * The bundle as a resume must find it again: the manifest's own sha256 (which covers the checksums it
 * lists, verified at load) and each model file's size (which catches a replaced file that has no checksum,
 * unless it has the same size). Paths are not part of it: a bundle may move.
 */
export interface BundleIdentity {
  readonly name: string;
  readonly manifestSha256: string;
  readonly chunkLength: number;
  readonly fileSizes: Readonly<Record<string, number>>;
}

export async function bundleIdentity(bundle: ModelBundle): Promise<BundleIdentity> {
  const files = { dna: bundle.dna.file, protein: bundle.protein.file, classifier: bundle.classifier.file };
  const fileSizes: Record<string, number> = {};
  for (const [part, file] of Object.entries(files)) fileSizes[part] = (await stat(file)).size;
  return {
    name: bundle.name,
    // Hashed from the bytes loadBundle parsed: what was run, and the manifest is not read again.
    manifestSha256: bundle.manifestSha256,
    chunkLength: bundle.chunkLength,
    fileSizes,
  };
}
