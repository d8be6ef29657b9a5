import { VirnucproError } from '../errors.js';
import { CHUNK_LENGTHS, type ChunkLength } from './manifest.js';

/**
 * The chunk length of a run, decided in one place: the requested one (`-l/--chunk-length`), else the one the
 * bundle's classifier was trained on; a requested length that is not the classifier's is refused unless
 * forced (`--force`), since it gives wrong predictions. loadBundle decides it for the length it is asked to
 * load for, and the pipeline for a bundle it is given loaded.
 */

/** What a run chunks its reads by, and whether that was forced on a classifier trained for another length. */
export interface ChunkLengthChoice {
  readonly chunkLength: ChunkLength;
  readonly forced: boolean;
}

/** A chunk length given as an option: undefined (the bundle's), or 300 or 500; anything else is a TypeError. */
export function chunkLengthOption(value: unknown): ChunkLength | undefined {
  if (value !== undefined && !(CHUNK_LENGTHS as readonly unknown[]).includes(value)) {
    throw new TypeError(`options.chunkLength must be ${CHUNK_LENGTHS.join(' or ')} (got ${String(value)})`);
  }
  return value as ChunkLength | undefined;
}

/**
 * The run's chunk length: `requested`, or `trained` (the classifier's) when none is. Throws BUNDLE_MISMATCH
 * (exit 4), naming the manifest and the ways out, when `requested` is not `trained` and `force` is off.
 */
export function chooseChunkLength(
  requested: ChunkLength | undefined,
  trained: ChunkLength,
  force: boolean,
  manifestFile: string,
): ChunkLengthChoice {
  const chunkLength = requested ?? trained;
  if (chunkLength !== trained && !force) {
    throw new VirnucproError(
      'BUNDLE_MISMATCH',
      `chunkLength: this bundle's classifier was trained on ${trained}-bp chunks, but the run uses ${chunkLength}`,
      {
        position: { file: manifestFile },
        hint:
          `run with -l/--chunk-length ${trained}, use the ${chunkLength} bundle, or pass --force to accept ` +
          "wrong predictions (the v2.0 refactor's 300/500 mix-up gave 93 % instead of 99.8 % agreement)",
      },
    );
  }
  return { chunkLength, forced: chunkLength !== trained };
}
