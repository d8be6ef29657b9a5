import type { ClassifiedFrames } from '../../../src/classify/classification.js';
import { chunkConsensusTable, type ConsensusRows } from '../../../src/classify/consensus.js';
import type { ChunkNames } from '../../../src/sequence/chunkBatch.js';
import { FRAME_SUFFIXES, type FrameSuffix } from '../../../src/sequence/sixFrames.js';

/** A per-frame result as the original's prediction_results.txt lists it. */
export interface FrameResult {
  readonly id: string;
  readonly score1: number;
  readonly score2: number;
}

/** Rows of a prediction_results.txt text (header skipped), scores read back to their float32 values. */
export function parsePredictionResults(text: string): FrameResult[] {
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [id, , score1, score2] = line.split('\t');
      return { id: id!, score1: Math.fround(Number(score1)), score2: Math.fround(Number(score2)) };
    });
}

/**
 * A classified batch with its consensus, built from frame results: ids `<record>_chunk_<k><F1..R3>` are split
 * into the columnar naming data a real batch carries; consecutive frames of one chunk id share a chunk.
 */
export function resultBatch(frames: readonly FrameResult[], source = 'test.fa'): ClassifiedFrames & ConsensusRows {
  const ids: string[] = [];
  const recordIndex: number[] = [];
  const chunkNumber: number[] = [];
  const chunk = new Uint32Array(frames.length);
  const frame = new Uint8Array(frames.length);
  let previous = '';
  frames.forEach((result, i) => {
    const match = /^(.*)_chunk_(\d+)(F1|F2|F3|R1|R2|R3)$/.exec(result.id);
    if (!match) throw new Error(`not a frame id: ${result.id}`);
    const [, record, k, suffix] = match;
    const chunkName = `${record}_chunk_${k}`;
    if (i === 0 || chunkName !== previous) {
      if (ids[ids.length - 1] !== record) ids.push(record!);
      recordIndex.push(ids.length - 1);
      chunkNumber.push(Number(k));
      previous = chunkName;
    }
    chunk[i] = recordIndex.length - 1;
    frame[i] = FRAME_SUFFIXES.indexOf(suffix as FrameSuffix);
  });
  const batch: ClassifiedFrames = {
    count: frames.length,
    chunk,
    frame,
    nucleotides: new Uint8Array(0),
    nucleotideStarts: new Uint32Array(frames.length + 1),
    proteins: new Uint8Array(0),
    proteinStarts: new Uint32Array(frames.length + 1),
    chunks: { ids, recordIndex: Uint32Array.from(recordIndex), chunkNumber: Uint32Array.from(chunkNumber), chunkLength: 500, source },
    score1: Float32Array.from(frames, (f) => f.score1),
    score2: Float32Array.from(frames, (f) => f.score2),
  };
  return { ...batch, consensus: chunkConsensusTable(batch) };
}

/** Frames cut into batches of about `size`, never splitting a chunk (as the pipeline guarantees). */
export function resultBatches(frames: readonly FrameResult[], size: number): (ClassifiedFrames & ConsensusRows)[] {
  const batches: (ClassifiedFrames & ConsensusRows)[] = [];
  let from = 0;
  while (from < frames.length) {
    let to = Math.min(frames.length, from + size);
    const chunkOf = (i: number): string => frames[i]!.id.slice(0, -2);
    while (to < frames.length && chunkOf(to) === chunkOf(to - 1)) to += 1;
    batches.push(resultBatch(frames.slice(from, to)));
    from = to;
  }
  return batches;
}

/** A chunk's kept frames as [P(others), P(virus)] pairs; none: the chunk has no call. */
export type Chunk = readonly (readonly [number, number])[];
/** A record: its id and its chunks in order. */
export type Read = readonly [string, readonly Chunk[]];

/**
 * The result batches a writer sees for `reads`, one input batch (one naming array), cut into parts after
 * the chunk counts in `cuts` (a record may be split between parts, never a chunk), every chunk named,
 * those without frames too, as the pipeline names them.
 */
export function readBatches(reads: readonly Read[], cuts: readonly number[] = []): (ClassifiedFrames & ConsensusRows)[] {
  const ids = reads.map(([id]) => id);
  const all = reads.flatMap(([, chunks], record) => chunks.map((frames, k) => ({ record, number: k + 1, frames })));
  const bounds = [0, ...cuts, all.length];
  return bounds.slice(1).map((to, p) => {
    const mine = all.slice(bounds[p], to);
    const frames = mine.flatMap((chunk, c) => chunk.frames.map((scores) => ({ chunk: c, scores })));
    const chunks: ChunkNames = {
      ids,
      recordIndex: Uint32Array.from(mine, (chunk) => chunk.record),
      chunkNumber: Uint32Array.from(mine, (chunk) => chunk.number),
      chunkLength: 500,
      source: 'test.fa',
    };
    const classified: ClassifiedFrames = {
      count: frames.length,
      chunk: Uint32Array.from(frames, (frame) => frame.chunk),
      frame: new Uint8Array(frames.length),
      nucleotides: new Uint8Array(0),
      nucleotideStarts: new Uint32Array(frames.length + 1),
      proteins: new Uint8Array(0),
      proteinStarts: new Uint32Array(frames.length + 1),
      chunks,
      score1: Float32Array.from(frames, (frame) => frame.scores[0]),
      score2: Float32Array.from(frames, (frame) => frame.scores[1]),
    };
    return { ...classified, consensus: chunkConsensusTable(classified) };
  });
}
