import { VirnucproError } from '../errors.js';
import type { ClassifiedFrames } from './classification.js';

/**
 * The original's per-CHUNK consensus (semantics §7): over a chunk's kept frames, max score1 and max score2;
 * the chunk is viral iff max score2 ≥ max score1 (a tie is viral, unlike the per-frame rule).
 */

/** One row per chunk that kept at least one frame, in frame order (columnar). */
export interface ChunkConsensusTable {
  readonly count: number;
  /** Chunk index into the batch's `chunks` naming data (`chunkId(batch.chunks, chunk[k])`). */
  readonly chunk: Uint32Array;
  /** Chunk k's frames are [frameStarts[k], frameStarts[k + 1]); length count + 1. */
  readonly frameStarts: Uint32Array;
  readonly maxScore1: Float32Array;
  readonly maxScore2: Float32Array;
}

/** What chunkConsensus adds to a classified batch. */
export interface ConsensusRows {
  readonly consensus: ChunkConsensusTable;
}

/** The original's Is_Virus: max score2 ≥ max score1. */
export function isViralChunk(maxScore1: number, maxScore2: number): boolean {
  return maxScore2 >= maxScore1;
}

/**
 * Consensus rows of one batch. A chunk's frames are contiguous (frames come in chunk order, and a chunk is
 * never split across batches), which is checked: a chunk seen again after another one is an INTERNAL error.
 */
export function chunkConsensusTable(batch: ClassifiedFrames): ChunkConsensusTable {
  const { count, chunk, score1, score2 } = batch;
  let chunks = 0;
  for (let i = 0; i < count; i++) {
    if (i === 0 || chunk[i] !== chunk[i - 1]) chunks += 1;
    if (i > 0 && chunk[i]! < chunk[i - 1]!) {
      throw new VirnucproError('INTERNAL', `frames of ${batch.chunks.source} are not in chunk order (frame ${i} of a batch)`);
    }
  }
  const table = {
    count: chunks,
    chunk: new Uint32Array(chunks),
    frameStarts: new Uint32Array(chunks + 1),
    maxScore1: new Float32Array(chunks),
    maxScore2: new Float32Array(chunks),
  };
  let k = -1;
  for (let i = 0; i < count; i++) {
    if (i === 0 || chunk[i] !== chunk[i - 1]) {
      k += 1;
      table.chunk[k] = chunk[i]!;
      table.frameStarts[k] = i;
      table.maxScore1[k] = score1[i]!;
      table.maxScore2[k] = score2[i]!;
    } else {
      if (score1[i]! > table.maxScore1[k]!) table.maxScore1[k] = score1[i]!;
      if (score2[i]! > table.maxScore2[k]!) table.maxScore2[k] = score2[i]!;
    }
  }
  table.frameStarts[chunks] = count;
  return table;
}
