import type { Observable } from 'rxjs';
import { decompress } from '../src/fasta/decompress.js';
import {
  resolveFastaParseOptions,
  parseFasta,
  type FastaParseOptions,
  DEFAULT_BATCH_BASES,
  DEFAULT_BATCH_RECORDS,
} from '../src/fasta/fastaParser.js';
import { openInput, openShard } from '../src/fasta/openInput.js';
import type { Shard } from '../src/fasta/shard.js';
import type { RecordBatch } from '../src/fasta/recordBatch.js';
import { Credit, type Leased } from '../src/flow/credit.js';
import { creditedSource } from '../src/flow/creditedSource.js';
import { batchUnits } from '../src/flow/units.js';

/** A batch of FASTA records holding its share of the pipeline's credit: what every pipeline starts from. */
export type FastaBatch = RecordBatch & Leased;

/**
 * Credit window created when none is passed: 16 Mi units ≈ 16 MiB of sequence bytes (a record of L bases
 * costs L + 256 units, docs/backpressure.md), i.e. ~16 default 1 MiB batches in flight across the pipeline.
 * What those batches become downstream (chunks, frames, token rows) is bounded by a constant per unit.
 */
export const DEFAULT_CREDIT_UNITS = 16 * 1024 * 1024;

/** Batching, callbacks, counts and alphabet as the parser takes them (src/fasta/fastaParser.ts); the rest is the source's. */
export interface ReadFastaOptions extends Omit<FastaParseOptions, 'source' | 'signal'> {
  /** The pipeline's credit window, to share with other sources or stages. Default: a new one of `creditUnits`. */
  readonly credit?: Credit;
  /** Capacity of the credit created when `credit` is not given (units ≈ bytes). Default 16 Mi. */
  readonly creditUnits?: number;
  /** Name used in messages when `input` is a stream. Default '<stream>'. */
  readonly name?: string;
  /**
   * Read only this shard of a plain file (`input` must be a path): the records whose header starts in its
   * byte range (src/fasta/shard.ts). Line numbers in messages then count from the shard's first byte, which
   * the input name says. Default: the whole input.
   */
  readonly shard?: Shard;
  /** Aborting errors the stream with the signal's reason and closes the input. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_READ_FASTA = {
  creditUnits: DEFAULT_CREDIT_UNITS,
  batchBases: DEFAULT_BATCH_BASES,
  batchRecords: DEFAULT_BATCH_RECORDS,
  name: '<stream>',
} as const satisfies ReadFastaOptions;

/**
 * Reads FASTA records in batches, the source of every virnucpro pipeline. Gzip is sniffed and decoded;
 * ids and sequences follow the original VirNucPro (Biopython) exactly; bad input fails with a positioned
 * VirnucproError (FASTA_NO_HEADER, FASTA_BINARY, FASTA_PROTEIN, GZIP_*, INPUT_*).
 *
 * @example
 * import { readFasta } from 'virnucpro/operators';
 * const batches = readFasta('reads.fa.gz', { batchBases: 1 << 20 });
 * await consumeBatches(batches, (batch) => console.log(batch.count, batch.ids[0]));
 *
 * @param input a path, `-` for stdin, or the bytes as an AsyncIterable<Uint8Array> (e.g. a Node Readable).
 * @param options.credit the window to take leases from; default a new Credit of `creditUnits`.
 * @param options.creditUnits capacity of that new window, in units (≈ bytes); default 16 Mi.
 * @param options.batchBases sequence bytes per batch; default 1 MiB. A larger record makes a batch alone.
 * @param options.batchRecords records per batch; default 4096.
 * @param options.onWarning called once per warning kind at the end of input; default none (see stats).
 * @param options.onSkippedRecord called for each empty record skipped; default none.
 * @param options.stats a FastaStats to fill; default none.
 * @param options.name name for messages when `input` is a stream; default '<stream>'.
 * @param options.alphabet 'nucleotide' (default: protein FASTA is refused) or 'protein'.
 * @param options.shard read only this shard of a plain file; default all of it.
 * @param options.signal aborts reading.
 *
 * Memory: the credit bounds everything downstream (≤ creditUnits units ≈ 16 MiB of sequence at defaults);
 * on top, the reader holds one 256 KiB read chunk, its working batch buffer (batchBases, or the largest
 * record, up to 2× while it grows) and one batch read ahead of its credit.
 * Order: records in input order; batches in input order; a record is never split across batches.
 * Nothing is read before subscribe; unsubscribing closes the input. The sink must release each lease.
 * @see ../src/fasta/fastaParser.ts for the exact rules, docs/adr/0001-fasta-parser.md, docs/backpressure.md
 */
export function readFasta(input: string | AsyncIterable<Uint8Array>, options: ReadFastaOptions = {}): Observable<FastaBatch> {
  const isPath = typeof input === 'string';
  if (!isPath && (typeof input !== 'object' || input === null || !(Symbol.asyncIterator in input))) {
    throw new TypeError("input must be a path, '-' for stdin, or an AsyncIterable<Uint8Array>");
  }
  if (options.credit !== undefined && !(options.credit instanceof Credit)) throw new TypeError('options.credit must be a Credit');
  if (options.credit !== undefined && options.creditUnits !== undefined) {
    throw new TypeError('options.creditUnits cannot be combined with options.credit (the credit has its own capacity)');
  }
  const creditUnits = options.creditUnits ?? DEFAULT_READ_FASTA.creditUnits;
  if (!Number.isSafeInteger(creditUnits) || creditUnits < 1) {
    throw new TypeError(`options.creditUnits must be an integer >= 1 (got ${String(creditUnits)})`);
  }
  const { shard, signal } = options;
  if (shard !== undefined && !isPath) throw new TypeError('options.shard needs a path: a stream cannot be sharded');
  const name = isPath ? input : (options.name ?? DEFAULT_READ_FASTA.name);
  const parse = resolveFastaParseOptions({ ...options, source: name });
  const credit = options.credit ?? new Credit(creditUnits, 'readFasta');
  const records = (): AsyncIterable<RecordBatch> => {
    if (shard !== undefined) return parseShard(input as string, shard, parse);
    const bytes = isPath ? openInput(input, signal ? { signal } : {}) : decompress(input, { name, ...(signal ? { signal } : {}) });
    return parseFasta(bytes, parse);
  };
  return creditedSource<RecordBatch, FastaBatch>(records, {
    credit,
    weight: (batch) => batchUnits(batch.bases.length, batch.count),
    attach: (batch, lease) => ({ ...batch, lease }),
    ...(signal ? { signal } : {}),
  });
}

/** The records of a shard, named as {@link openShard} names it (the byte its line numbers count from). */
async function* parseShard(path: string, shard: Shard, parse: FastaParseOptions): AsyncGenerator<RecordBatch> {
  const opened = await openShard(path, shard, {
    ...(parse.signal ? { signal: parse.signal } : {}),
    ...(parse.syncBytes !== undefined ? { syncBytes: parse.syncBytes } : {}),
  });
  try {
    yield* parseFasta(opened.bytes, { ...parse, source: opened.name });
  } finally {
    await opened.close();
  }
}
