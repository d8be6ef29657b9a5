import type { OperatorFunction } from 'rxjs';
import type { Leased } from '../src/flow/credit.js';
import type { ChunkBatch } from '../src/sequence/chunkBatch.js';
import { FRAME_TEXT_FORMATS, type FrameTextFormat } from '../src/sequence/formatFrames.js';
import type { FrameTextBatch } from '../src/sequence/frameBatch.js';
import { translateOnPool, type TranslateSixFramesOptions } from './translateSixFrames.js';

export interface TranslateSixFramesTextOptions<F extends FrameTextFormat> extends TranslateSixFramesOptions {
  /** The formats to write the kept frames in: `tsv`, `fasta-nucleotide`, `fasta-protein` (at least one). */
  readonly formats: readonly F[];
}

/**
 * {@link translateSixFrames}, with the kept frames written as text on the worker threads: each output batch
 * carries the bytes of every format asked for (`batch.text.tsv`, …), exactly as the calling thread's
 * formatters would write them, and no frame table. For pipelines that only print frames (`virnucpro
 * translate`): the calling thread is left to parse, chunk and write.
 *
 * @example
 * import { readFasta, chunkReads, translateSixFramesText } from 'virnucpro/operators';
 * const tsv$ = readFasta('reads.fa').pipe(chunkReads(), translateSixFramesText({ formats: ['tsv'], transferBases: true }));
 * await writeBatches(tsv$, process.stdout, (batch) => batch.text.tsv);
 *
 * @param options.formats formats to write, in any order (each is written once); required.
 * @param options.pool, options.threads, options.transferBases, options.signal as for translateSixFrames.
 *
 * Memory: as translateSixFrames; the text of a batch is about the size of its frame table plus one id per frame.
 * Order: output batches in input order, frames in chunk order then F1..R3. Each output carries its input's lease.
 * @see translateSixFrames, ../src/sequence/formatFrames.ts for the formats
 */
export function translateSixFramesText<F extends FrameTextFormat>(
  options: TranslateSixFramesTextOptions<F>,
): OperatorFunction<ChunkBatch & Leased, FrameTextBatch<F> & Leased> {
  const formats: unknown = options?.formats;
  if (!Array.isArray(formats) || formats.length === 0 || !formats.every((format) => FRAME_TEXT_FORMATS.includes(format))) {
    throw new TypeError(`options.formats must be a non-empty list of ${FRAME_TEXT_FORMATS.join(', ')} (got ${String(formats)})`);
  }
  const wanted = [...new Set(formats as F[])];
  return translateOnPool(options, (pool, batch, signal, call) => pool.translateText(batch, wanted, signal, call));
}
