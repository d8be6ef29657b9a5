import { firstControlByte } from './alphabet.js';
import { binaryByteError, fastqLayoutError, fastqQualityLengthError, fastqTruncatedError } from './fastaErrors.js';
import type { FastaStats } from './fastaStats.js';
import type { RecordParser, ResolvedFastaParseOptions } from './fastaParser.js';
import type { RecordBatch } from './recordBatch.js';
import { RecordCollector, binaryByteAfter, headerLineEnd } from './recordCollector.js';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const AT = 0x40;
const PLUS = 0x2b;

// Where the parser is between two bytes; kept across chunks. A record is four lines: '@' header, sequence,
// '+' line (optionally repeating the header), qualities.
const RECORD_START = 0;
const HEADER_ID = 1;
const HEADER_REST = 2;
const SEQUENCE = 3;
const PLUS_START = 4;
const PLUS_REST = 5;
const QUALITY = 6;
/** A line before a header holding only whitespace (blank lines between records are allowed). */
const BLANK = 7;
type FastqState = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** What the input ended inside of, for the truncated-record message. */
const INSIDE: Readonly<Record<FastqState, string>> = {
  [RECORD_START]: '',
  [BLANK]: '',
  [HEADER_ID]: 'its header line',
  [HEADER_REST]: 'its header line',
  [SEQUENCE]: 'its sequence line',
  [PLUS_START]: "the line where its '+' line belongs",
  [PLUS_REST]: "its '+' line",
  [QUALITY]: 'its quality line',
};

/**
 * FASTQ records into the same {@link RecordBatch}es as the FASTA reader makes of the same reads: id = the
 * header's first word after '@' (as for '>'), sequence = the line after it, qualities ignored but checked to
 * be as long as the sequence. Four lines per record (multi-line FASTQ, which nearly no tool writes, is
 * refused with the layout error). Blank lines between records are skipped. Batches are cut by the same rules
 * as FASTA's, the sync rule measuring each record as its FASTA form (`>header\nsequence\n`), so a FASTQ file
 * and its FASTA conversion (seqkit fq2fa) are batched, packed, and so scored identically.
 *
 * Quality values are not read: only their count, and binary data among them (NUL, non-ASCII), is checked.
 * Errors (FASTQ_FORMAT, exit 3), each naming the line and the record: a line where '@' or '+' belongs that
 * starts otherwise, a quality line whose length differs from the sequence's, a record cut short by the end of
 * the input. Binary bytes are refused as in FASTA.
 *
 * Memory: as the FASTA reader (one working batch buffer); qualities are never copied.
 */
export class FastqParser implements RecordParser {
  readonly #file: string;
  readonly #stats: FastaStats;
  readonly #records: RecordCollector;
  #state: FastqState = RECORD_START;
  /** 1-based number of the line being read. */
  #line = 1;
  /** Bytes of the current record's header line (after '@'), sequence line and quality line so far. */
  #headerBytes = 0;
  #sequenceBytes = 0;
  #qualityBytes = 0;
  /** The last byte of that line so far ('\r' of a CRLF line is not part of it). */
  #lastByte = 0;
  #sequenceLength = 0;

  constructor(options: ResolvedFastaParseOptions) {
    this.#file = options.source;
    this.#stats = options.stats;
    this.#records = new RecordCollector(options);
  }

  push(chunk: Uint8Array): void {
    this.#records.push(chunk, (src, clean) => this.#parseStaged(src, clean));
  }

  /** Finds the lines of a staged slice (header lines are free text: see the FASTA parser). */
  #parseStaged(src: Buffer, clean: number): void {
    const n = src.length;
    let state = this.#state;
    let line = this.#line;
    let p = 0;
    try {
      while (p < n) {
        if (state === RECORD_START) {
          const first = src[p]!;
          if (first === LF) {
            line += 1;
            p += 1;
            continue;
          }
          if (first === AT) {
            this.#records.beginRecord(line);
            state = HEADER_ID;
            p += 1;
          } else if (first === CR || first === SPACE || first === TAB) {
            state = BLANK;
          } else {
            throw fastqLayoutError('@', first, 'at the start of a record', { file: this.#file, line });
          }
        } else if (state === PLUS_START) {
          if (src[p] !== PLUS) {
            throw fastqLayoutError('+', src[p]!, 'after the sequence line', { file: this.#file, line, recordId: this.#records.id });
          }
          state = PLUS_REST;
          p += 1;
        }
        const newline = state === HEADER_ID ? headerLineEnd(src, p, n) : src.indexOf(LF, p);
        const end = newline < 0 ? n : newline;
        const header = state === HEADER_ID || state === HEADER_REST || state === PLUS_REST;
        if (header) {
          const control = firstControlByte(src, p, end);
          if (control >= 0) throw this.#binaryError(src[control]!, 'in a header line', line, undefined);
        }
        if (end > clean) {
          if (!header)
            throw this.#binaryError(src[clean]!, state === QUALITY ? 'in a quality line' : 'in a sequence line', line, this.#records.id);
          clean = binaryByteAfter(src, end);
        }
        if (end > p) this.#lastByte = src[end - 1]!;
        if (state === SEQUENCE) {
          this.#sequenceBytes += end - p;
          this.#records.appendSequence(src, p, end);
        } else if (state === QUALITY) {
          this.#qualityBytes += end - p;
        } else if (state === HEADER_ID || state === HEADER_REST) {
          this.#headerBytes += end - p;
          this.#records.hashHeader(src, p, end);
          if (state === HEADER_ID && this.#records.readId(src, p, end, newline >= 0)) state = HEADER_REST;
        } else if (state === BLANK) {
          this.#checkBlank(src, p, end, line);
        }
        if (newline < 0) break;
        state = this.#endLine(state, line);
        line += 1;
        p = newline + 1;
      }
    } finally {
      this.#state = state;
      this.#line = line;
      this.#stats.lines = line - 1;
    }
  }

  /** A line of `state` is complete: the state its next line starts in (a quality line closes the record). */
  #endLine(state: FastqState, line: number): FastqState {
    const crlf = this.#lastByte === CR ? 1 : 0;
    this.#lastByte = 0;
    switch (state) {
      case HEADER_ID:
      case HEADER_REST:
        this.#headerBytes -= crlf;
        return SEQUENCE;
      case SEQUENCE:
        this.#sequenceLength = this.#sequenceBytes - crlf;
        return PLUS_START;
      case PLUS_REST:
        return QUALITY;
      case QUALITY:
        this.#endRecord(this.#qualityBytes - crlf, line);
        return RECORD_START;
      default:
        return RECORD_START;
    }
  }

  /** Checks the quality line's length against the sequence's and closes the record. */
  #endRecord(qualities: number, line: number): void {
    const id = this.#records.id;
    if (qualities !== this.#sequenceLength)
      throw fastqQualityLengthError(this.#sequenceLength, qualities, { file: this.#file, line, recordId: id });
    // Measured as its FASTA form, '>' header '\n' sequence '\n': the sync rule then cuts where it cuts that.
    this.#records.endRecord(this.#headerBytes + this.#sequenceLength + 3);
    this.#headerBytes = 0;
    this.#sequenceBytes = 0;
    this.#qualityBytes = 0;
  }

  /** The input has ended: a record must be complete (its last line may lack its '\n'). */
  end(): void {
    const state = this.#state;
    if (state !== RECORD_START) this.#stats.lines = this.#line;
    if (state === QUALITY) {
      const qualities = this.#qualityBytes - (this.#lastByte === CR ? 1 : 0);
      if (qualities >= this.#sequenceLength) this.#endRecord(qualities, this.#line);
      else
        throw fastqTruncatedError(`${INSIDE[state]} (${qualities} of ${this.#sequenceLength} qualities)`, {
          file: this.#file,
          line: this.#line,
          recordId: this.#records.id,
        });
    } else if (state !== RECORD_START && state !== BLANK) {
      throw fastqTruncatedError(INSIDE[state], { file: this.#file, line: this.#line, recordId: this.#records.id });
    }
    this.#state = RECORD_START;
    this.#records.end();
  }

  takeReady(): RecordBatch[] {
    return this.#records.takeReady();
  }

  /** Between records only whitespace lines are allowed. */
  #checkBlank(src: Buffer, start: number, end: number, line: number): void {
    for (let i = start; i < end; i++) {
      const b = src[i]!;
      if (b !== CR && b !== SPACE && b !== TAB) throw fastqLayoutError('@', b, 'at the start of a record', { file: this.#file, line });
    }
  }

  #binaryError(byte: number, where: string, line: number, recordId: string | undefined): Error {
    return binaryByteError(byte, where, { file: this.#file, line, ...(recordId !== undefined ? { recordId } : {}) });
  }
}
