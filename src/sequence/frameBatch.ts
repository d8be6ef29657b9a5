import { chunkId, chunkNames, type ChunkBatch, type ChunkNames } from './chunkBatch.js';
import type { FrameTextFormat } from './formatFrames.js';
import { FRAME_SUFFIXES, translateChunks, type FrameTable } from './sixFrames.js';

/**
 * The kept frames of one {@link ChunkBatch} (what reaches the models), with the chunk names needed to name
 * them. It holds no reference to the chunks' bases, nor to any buffer sent to a worker.
 */
export interface FrameBatch extends FrameTable {
  /** Naming data of the chunk batch the frames came from; `chunk[i]` indexes it. */
  readonly chunks: ChunkNames;
}

/**
 * The kept frames of one {@link ChunkBatch} already written out by a translate worker, in each format asked
 * for: what a command that only prints frames needs, without the frame table ever reaching the main thread.
 */
export interface FrameTextBatch<F extends FrameTextFormat = FrameTextFormat> {
  /** Kept frames: the lines of the TSV, the records of each FASTA. */
  readonly count: number;
  /** Naming data of the chunk batch the frames came from (which record batch, how many chunks). */
  readonly chunks: ChunkNames;
  /** The frames in each format asked for, byte for byte as formatFrames writes them on the calling thread. */
  readonly text: Readonly<Record<F, Uint8Array>>;
}

/** Frame i's id: chunk id + suffix, no separator (`read7_chunk_2R3`). Built on demand only. */
export function frameId(batch: FrameBatch, i: number): string {
  return chunkId(batch.chunks, batch.chunk[i]!) + FRAME_SUFFIXES[batch.frame[i]!];
}

/** Six-frame identification of a chunk batch on the calling thread (the worker pool runs the same kernel). */
export function translateChunkBatch(batch: ChunkBatch): FrameBatch {
  return { ...translateChunks(batch), chunks: chunkNames(batch) };
}
