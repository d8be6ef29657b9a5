import type { ChunkBatch } from './chunkBatch.js';
import { ChunkIdWriter, copyBytes } from './chunkIds.js';

/** Biopython's FASTA writer, which wrote the original's chunk file, wraps sequences at 60 columns. */
const FASTA_LINE_WIDTH = 60;
const GT = 0x3e;
const NEWLINE = 0x0a;

/**
 * The batch's chunks as FASTA, byte for byte like the original's `<input>_chunked<c>.fa`: `>id_chunk_k`
 * headers and 60-column lines, case as read. One Buffer for the whole batch.
 */
export function formatChunksFasta(batch: ChunkBatch): Buffer {
  const { count, starts, ends, bases } = batch;
  const ids = ChunkIdWriter.forChunks(batch, 0, count - 1);
  let size = 0;
  for (let c = 0; c < count; c++) {
    const length = ends[c]! - starts[c]!;
    size += 2 + ids.length(c) + length + Math.ceil(length / FASTA_LINE_WIDTH);
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let c = 0; c < count; c++) {
    out[at++] = GT;
    at = ids.write(out, at, c);
    out[at++] = NEWLINE;
    for (let line = starts[c]!, end = ends[c]!; line < end; line += FASTA_LINE_WIDTH) {
      at = copyBytes(out, at, bases, line, Math.min(end, line + FASTA_LINE_WIDTH));
      out[at++] = NEWLINE;
    }
  }
  return out;
}
