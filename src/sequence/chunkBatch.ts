import { batchUnits } from '../flow/units.js';
import type { RecordBatch } from '../fasta/recordBatch.js';
import { chunkCount, fillChunkBoundaries } from './chunking.js';

/** What is needed to name a batch's chunks (`<recordId>_chunk_<k>`) without keeping its bases alive. */
export interface ChunkNames {
  /** Record ids of the source batch (Latin-1 strings of the header bytes); chunk i belongs to `ids[recordIndex[i]]`. */
  readonly ids: readonly string[];
  readonly recordIndex: Uint32Array;
  /** 1-based chunk number k within its record. */
  readonly chunkNumber: Uint32Array;
  /** Window length the chunks were cut with (300 or 500 for the published models). */
  readonly chunkLength: number;
  /** Input name for messages: a path, or `-` for stdin. */
  readonly source: string;
}

/** Where chunk bytes are: chunk i is `bases[starts[i], ends[i])`. The form the translation kernel reads. */
export interface ChunkSpans {
  readonly bases: Uint8Array;
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  readonly count: number;
}

/**
 * The chunks of a {@link RecordBatch} in columnar form. Chunks are views: `bases` is the record batch's
 * buffer (not copied, case as read), and chunks of one read overlap in it.
 */
export interface ChunkBatch extends ChunkNames, ChunkSpans {
  /**
   * True when no other batch views `bases.buffer`: it is a record batch's own buffer (see
   * {@link RecordBatch.ownsBases}) and the batch was not split into parts. A stage that is told nothing reads
   * the bases after it may then transfer the buffer to a worker instead of copying it.
   */
  readonly ownsBases?: boolean;
}

/**
 * Cuts every record of `batch` into chunks (spec section 2), in record order.
 *
 * @param chunkLength window length in bases (any positive integer; the classifiers use 300 or 500)
 */
export function chunkRecordBatch(batch: RecordBatch, chunkLength: number): ChunkBatch {
  const { starts: recordStarts, count: records } = batch;
  let count = 0;
  for (let r = 0; r < records; r++) count += chunkCount(recordStarts[r + 1]! - recordStarts[r]!, chunkLength);
  const starts = new Uint32Array(count);
  const ends = new Uint32Array(count);
  const recordIndex = new Uint32Array(count);
  const chunkNumber = new Uint32Array(count);
  let at = 0;
  for (let r = 0; r < records; r++) {
    const offset = recordStarts[r]!;
    const next = fillChunkBoundaries(recordStarts[r + 1]! - offset, chunkLength, offset, starts, ends, at);
    for (let k = at; k < next; k++) {
      recordIndex[k] = r;
      chunkNumber[k] = k - at + 1;
    }
    at = next;
  }
  return {
    bases: batch.bases,
    starts,
    ends,
    recordIndex,
    chunkNumber,
    count,
    ids: batch.ids,
    chunkLength,
    source: batch.source,
    ownsBases: batch.ownsBases === true,
  };
}

/**
 * Splits a chunk table into consecutive parts of at most `maxChunks` chunks (views, no copy), so that a
 * giant record (100 Mbp → 200 000 chunks) does not become one giant worker task. A batch of at most
 * `maxChunks` chunks, the usual case, is returned as the only part.
 */
export function splitChunkBatch(batch: ChunkBatch, maxChunks: number): ChunkBatch[] {
  if (batch.count <= maxChunks) return [batch];
  const parts: ChunkBatch[] = [];
  for (let from = 0; from < batch.count; from += maxChunks) {
    const to = Math.min(batch.count, from + maxChunks);
    parts.push({
      ...batch,
      starts: batch.starts.subarray(from, to),
      ends: batch.ends.subarray(from, to),
      recordIndex: batch.recordIndex.subarray(from, to),
      chunkNumber: batch.chunkNumber.subarray(from, to),
      count: to - from,
      ownsBases: false, // the parts share the buffer
    });
  }
  return parts;
}

/** Credit units a chunk batch costs on its own: the span of bases it covers plus the per-record overhead per chunk. */
export function chunkBatchUnits(batch: ChunkBatch): number {
  return batchUnits(basesSpan(batch).length, batch.count);
}

/**
 * The bases the batch's chunks cover, as one view: chunks are in read order and a read's chunks advance,
 * so they lie within [starts[0], ends[count − 1]).
 */
export function basesSpan(batch: ChunkSpans): Uint8Array {
  if (batch.count === 0) return batch.bases.subarray(0, 0);
  return batch.bases.subarray(batch.starts[0]!, batch.ends[batch.count - 1]!);
}

/** Chunk i's id, `<recordId>_chunk_<k>`, as the original writes it. Built on demand only. */
export function chunkId(names: ChunkNames, i: number): string {
  return `${names.ids[names.recordIndex[i]!]}_chunk_${names.chunkNumber[i]}`;
}

/** The naming part of a chunk batch, which frame batches carry instead of the chunks' bases. */
export function chunkNames(batch: ChunkNames): ChunkNames {
  const { ids, recordIndex, chunkNumber, chunkLength, source } = batch;
  return { ids, recordIndex, chunkNumber, chunkLength, source };
}
