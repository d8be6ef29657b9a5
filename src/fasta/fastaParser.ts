import { firstControlByte } from './alphabet.js';
import { binaryByteError, byteOrderMarkError, lineEndingsError, noHeaderError } from './fastaErrors.js';
import { FastaStats, fastaWarnings, type FastaRecordRef, type FastaWarning } from './fastaStats.js';
import { FastqParser } from './fastqParser.js';
import type { RecordBatch } from './recordBatch.js';
import { RecordCollector, binaryByteAfter, headerLineEnd } from './recordCollector.js';
import { recordFormat } from './recordFormat.js';
import { SEQUENCE_ALPHABETS, type SequenceAlphabet } from './sequenceAlphabet.js';
import { resolveSyncBytes } from './syncPoint.js';

/**
 * Sequence bytes per batch. 1 MiB is ~6 900 150-bp reads: large enough that per-batch costs (a worker
 * round trip, a credit lease) vanish, small enough that a pipeline holds a few dozen batches in a 16 MiB
 * credit window. Memory: one working buffer of this size, plus the batches the caller still holds.
 */
export const DEFAULT_BATCH_BASES = 1 << 20;
/**
 * Records per batch. Caps the per-record arrays (ids, offsets: ~100 bytes a record) when reads are tiny, and
 * keeps batches of short reads from growing past what one worker task should hold.
 */
export const DEFAULT_BATCH_RECORDS = 4096;
/** Offsets are Uint32: a batch (and so a record) must stay below 4 GiB; batchBases is capped well below. */
const MAX_BATCH_BASES = 1 << 30;
const MAX_BATCH_RECORDS = 1 << 24;

export interface FastaParseOptions {
  /** Input name for messages and {@link RecordBatch.source}: a path, `-` for stdin. Default '<stream>'. */
  readonly source?: string;
  /** Cut a batch once it holds this many sequence bytes (integer ≥ 1). Default 1 MiB. */
  readonly batchBases?: number;
  /** Cut a batch once it holds this many records (integer ≥ 1). Default 4096. */
  readonly batchRecords?: number;
  /** Receives each kind of warning (empty records, empty ids, non-IUPAC letters) once, at the end of the input (see {@link FastaWarning}). */
  readonly onWarning?: (warning: FastaWarning) => void;
  /**
   * Called for every record skipped because it is empty (a header with no sequence), as it is skipped:
   * the complete list, where the warning and {@link FastaStats.emptyExamples} name the first few.
   */
  readonly onSkippedRecord?: (record: FastaRecordRef) => void;
  /** Counts filled while reading (records, bases, lines, skips), to read during or after the run. Default: a fresh one nobody reads. */
  readonly stats?: FastaStats;
  /** 'nucleotide' (default) or 'protein': protein FASTA is then read, not refused (see {@link SequenceAlphabet}). */
  readonly alphabet?: SequenceAlphabet;
  /** Average bytes between sync records, before which a batch is always cut (src/fasta/syncPoint.ts). Default 1 MiB. */
  readonly syncBytes?: number;
  /** Aborting stops the parse before the next chunk with the signal's reason. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_FASTA_PARSE = {
  source: '<stream>',
  batchBases: DEFAULT_BATCH_BASES,
  batchRecords: DEFAULT_BATCH_RECORDS,
  alphabet: 'nucleotide',
} as const satisfies FastaParseOptions;

export interface ResolvedFastaParseOptions {
  readonly source: string;
  readonly batchBases: number;
  readonly batchRecords: number;
  readonly onWarning: ((warning: FastaWarning) => void) | undefined;
  readonly onSkippedRecord: ((record: FastaRecordRef) => void) | undefined;
  readonly stats: FastaStats;
  readonly alphabet: SequenceAlphabet;
  readonly syncBytes: number;
  readonly signal: AbortSignal | undefined;
}

/** Fills in defaults and validates, throwing a TypeError that names the option. */
export function resolveFastaParseOptions(options: FastaParseOptions): ResolvedFastaParseOptions {
  const batchBases = options.batchBases ?? DEFAULT_FASTA_PARSE.batchBases;
  if (!Number.isSafeInteger(batchBases) || batchBases < 1 || batchBases > MAX_BATCH_BASES) {
    throw new TypeError(`options.batchBases must be an integer from 1 to ${MAX_BATCH_BASES} (got ${String(batchBases)})`);
  }
  const batchRecords = options.batchRecords ?? DEFAULT_FASTA_PARSE.batchRecords;
  if (!Number.isSafeInteger(batchRecords) || batchRecords < 1 || batchRecords > MAX_BATCH_RECORDS) {
    throw new TypeError(`options.batchRecords must be an integer from 1 to ${MAX_BATCH_RECORDS} (got ${String(batchRecords)})`);
  }
  const source = options.source ?? DEFAULT_FASTA_PARSE.source;
  if (typeof source !== 'string' || source === '') throw new TypeError('options.source must be a non-empty string');
  if (options.onWarning !== undefined && typeof options.onWarning !== 'function') {
    throw new TypeError('options.onWarning must be a function');
  }
  if (options.onSkippedRecord !== undefined && typeof options.onSkippedRecord !== 'function') {
    throw new TypeError('options.onSkippedRecord must be a function');
  }
  if (options.stats !== undefined && !(options.stats instanceof FastaStats)) {
    throw new TypeError('options.stats must be a FastaStats');
  }
  const alphabet = options.alphabet ?? DEFAULT_FASTA_PARSE.alphabet;
  if (!SEQUENCE_ALPHABETS.includes(alphabet)) {
    throw new TypeError(`options.alphabet must be one of ${SEQUENCE_ALPHABETS.join(', ')} (got ${String(alphabet)})`);
  }
  return {
    source,
    batchBases,
    batchRecords,
    onWarning: options.onWarning,
    onSkippedRecord: options.onSkippedRecord,
    stats: options.stats ?? new FastaStats(),
    alphabet,
    syncBytes: resolveSyncBytes(options.syncBytes),
    signal: options.signal,
  };
}

/**
 * Parses FASTA bytes into {@link RecordBatch}es, with the semantics of Biopython's FASTA parser as the
 * original VirNucPro used it (spec section 1): id = the first word of the header after '>' (Python's
 * `title.split()[0]`: leading whitespace skipped, ends at the next space, tab or '\r'); sequence = the following
 * lines joined, spaces, tabs and '\r' removed, case kept; blank lines ignored. Chunks may split the input
 * anywhere (down to single bytes).
 *
 * Differences from Biopython, all reported: text before the first header is an error (FASTA_NO_HEADER), not
 * skipped; an empty record is skipped with a warning (the original crashes on it); binary bytes, protein
 * input and lone-'\r' line endings are errors; a tab inside a sequence line is removed (Biopython keeps it).
 * An empty id ('>' alone) is kept as '' like Biopython, with a warning.
 *
 * FASTQ is read too, when the first byte that is not whitespace is '@' (src/fasta/fastqParser.ts): the same
 * batches as the same reads in FASTA, qualities checked for length and otherwise ignored.
 *
 * Batches are cut by size (`batchBases`, `batchRecords`) and before every sync record (src/fasta/syncPoint.ts),
 * so that a shard of the input is cut into the same batches as the whole.
 *
 * Memory: one working buffer of `batchBases` bytes (or the largest record, up to twice its size while it
 * grows) plus, until the protein rule has decided, the batches holding its 10 000-letter sample.
 */
export function parseFasta(chunks: AsyncIterable<Uint8Array>, options: FastaParseOptions = {}): AsyncIterable<RecordBatch> {
  const resolved = resolveFastaParseOptions(options);
  return { [Symbol.asyncIterator]: () => parseChunks(chunks, resolved) };
}

async function* parseChunks(
  chunks: AsyncIterable<Uint8Array>,
  options: ResolvedFastaParseOptions,
): AsyncGenerator<RecordBatch, void, undefined> {
  options.signal?.throwIfAborted();
  // The format is decided by the first byte that is not whitespace (recordFormat): chunks before it are held.
  let parser: RecordParser | undefined;
  const ahead: Uint8Array[] = [];
  for await (const chunk of chunks) {
    options.signal?.throwIfAborted();
    if (parser === undefined) {
      ahead.push(chunk);
      const format = recordFormat(chunk);
      if (format === undefined) continue;
      parser = format === 'fastq' ? new FastqParser(options) : new FastaParser(options);
      for (const held of ahead.splice(0)) parser.push(held);
    } else {
      parser.push(chunk);
    }
    for (const batch of parser.takeReady()) yield batch;
  }
  if (parser === undefined) {
    parser = new FastaParser(options);
    for (const held of ahead) parser.push(held);
  }
  parser.end();
  for (const batch of parser.takeReady()) yield batch;
  if (options.onWarning) for (const warning of fastaWarnings(options.stats, options.source)) options.onWarning(warning);
}

/** What both parsers do: take chunks of any size, end, give the batches cut so far. */
export interface RecordParser {
  push(chunk: Uint8Array): void;
  end(): void;
  takeReady(): RecordBatch[];
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const GT = 0x3e;

// Where the parser is between two bytes; kept across chunks.
const LINE_START = 0;
const HEADER_ID = 1;
const HEADER_REST = 2;
const SEQUENCE = 3;
const PREAMBLE = 4;
type ParserState = typeof LINE_START | typeof HEADER_ID | typeof HEADER_REST | typeof SEQUENCE | typeof PREAMBLE;

/**
 * The byte-level state machine. Per line it calls indexOf('\n') (memchr) and copies the line once into the
 * batch; ids are the only strings it makes. Whole chunks are screened for binary bytes with native scans, and
 * whole batches for odd letters with one table pass (docs/adr/0001-fasta-parser.md).
 */
class FastaParser implements RecordParser {
  readonly #file: string;
  readonly #stats: FastaStats;
  readonly #records: RecordCollector;
  #state: ParserState = LINE_START;
  /** 1-based number of the line being read. */
  #line = 1;
  #inRecord = false;
  /** Input offset of the slice being parsed, and of the current record's '>'. */
  #offset = 0;
  #recordStart = 0;
  /** Until the first '\n', watch for lone-'\r' line endings. */
  #firstLineEnded = false;
  #endsWithCR = false;

  constructor(options: ResolvedFastaParseOptions) {
    this.#file = options.source;
    this.#stats = options.stats;
    this.#records = new RecordCollector(options);
  }

  push(chunk: Uint8Array): void {
    if (this.#stats.bytes === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
      throw byteOrderMarkError({ file: this.#file, line: 1 });
    }
    this.#records.push(chunk, (src, clean) => this.#parseStaged(src, clean));
  }

  /** Finds the lines of a staged slice. */
  #parseStaged(src: Buffer, clean: number): void {
    const n = src.length;
    if (!this.#firstLineEnded) this.#checkFirstLine(src);
    let state = this.#state;
    let line = this.#line;
    let p = 0;
    try {
      while (p < n) {
        if (state === LINE_START) {
          const first = src[p]!;
          if (first === LF) {
            line += 1;
            p += 1;
            continue;
          }
          if (first === GT) {
            this.#endRecord(this.#offset + p);
            this.#beginRecord(line, this.#offset + p);
            state = HEADER_ID;
            p += 1;
          } else {
            state = this.#inRecord ? SEQUENCE : PREAMBLE;
          }
        }
        const newline = state === HEADER_ID ? headerLineEnd(src, p, n) : src.indexOf(LF, p);
        const end = newline < 0 ? n : newline;
        // Headers are free text: UTF-8 or Latin-1 descriptions (and ids) are kept byte for byte; only control
        // bytes make a header line binary. They pass the chunk's ASCII check (firstBinaryByte), so header
        // lines are scanned for them here, whatever `clean` says.
        const header = state === HEADER_ID || state === HEADER_REST;
        if (header) {
          const control = firstControlByte(src, p, end);
          if (control >= 0) throw this.#binaryError(src[control]!, state, line);
          this.#records.hashHeader(src, p, end);
        }
        if (end > clean) {
          if (!header) throw this.#binaryError(src[clean]!, state, line);
          clean = binaryByteAfter(src, end);
        }
        if (state === SEQUENCE) this.#records.appendSequence(src, p, end);
        else if (state === HEADER_ID) {
          if (this.#records.readId(src, p, end, newline >= 0)) state = HEADER_REST;
        } else if (state === PREAMBLE) this.#checkPreamble(src, p, end, line);
        if (newline < 0) break;
        line += 1;
        p = newline + 1;
        state = LINE_START;
      }
    } finally {
      this.#state = state;
      this.#line = line;
      this.#stats.lines = line - 1;
    }
    this.#offset += n;
  }

  /** The input has ended: close the last line, record and batch, and decide the protein rule if still open. */
  end(): void {
    if (this.#state !== LINE_START) this.#stats.lines = this.#line;
    this.#state = LINE_START;
    this.#endRecord(this.#offset);
    this.#records.end();
  }

  takeReady(): RecordBatch[] {
    return this.#records.takeReady();
  }

  #beginRecord(line: number, offset: number): void {
    this.#inRecord = true;
    this.#recordStart = offset;
    this.#records.beginRecord(line);
  }

  /** Closes the current record, which ends before input offset `end` (the next '>' or the end of input). */
  #endRecord(end: number): void {
    if (this.#inRecord) this.#records.endRecord(end - this.#recordStart);
  }

  /** Before the first header only blank lines are allowed. */
  #checkPreamble(src: Buffer, start: number, end: number, line: number): void {
    for (let i = start; i < end; i++) {
      const b = src[i]!;
      if (b !== CR && b !== SPACE && b !== TAB) throw noHeaderError(b, { file: this.#file, line });
    }
  }

  /** A CR-only file has no '\n' at all: the first line would swallow the whole input, so refuse it at once. */
  #checkFirstLine(src: Buffer): void {
    if (this.#endsWithCR && src[0] !== LF) throw this.#lineEndingsError(src);
    const lf = src.indexOf(LF);
    const cr = src.indexOf(CR);
    if (cr >= 0 && (lf < 0 || cr < lf) && cr + 1 < src.length && src[cr + 1] !== LF) throw this.#lineEndingsError(src);
    this.#endsWithCR = lf < 0 && src[src.length - 1] === CR;
    if (lf >= 0) this.#firstLineEnded = true;
  }

  /**
   * A lone '\r' in the first line, unless that line holds control bytes: then the data is binary (a
   * compressed or binary file), which is what the user needs to hear, not a line-ending rule.
   */
  #lineEndingsError(src: Buffer): Error {
    const lf = src.indexOf(LF);
    const firstLine = lf < 0 ? src : src.subarray(0, lf);
    const control = firstLine.findIndex((b) => b < 0x20 && b !== TAB && b !== CR);
    if (control >= 0)
      return binaryByteError(firstLine[control]!, 'in the first line: this is binary data, not FASTA', {
        file: this.#file,
        line: this.#line,
      });
    return lineEndingsError({ file: this.#file, line: this.#line });
  }

  #binaryError(byte: number, state: ParserState, line: number): Error {
    const inHeader = state === HEADER_ID || state === HEADER_REST;
    const where = inHeader ? 'in a header line' : state === PREAMBLE ? 'before the first header' : 'in a sequence line';
    // In a header the id may or may not be complete depending on the chunking: name it only in sequences.
    const recordId = state === SEQUENCE ? this.#records.id : undefined;
    return binaryByteError(byte, where, { file: this.#file, line, ...(recordId !== undefined ? { recordId } : {}) });
  }
}
