import { isAscii } from 'node:buffer';
import { NucleotideSample, firstBinaryByte } from './alphabet.js';
import { proteinError } from './fastaErrors.js';
import { STATS_EXAMPLES, type FastaRecordRef, type FastaStats } from './fastaStats.js';
import type { RecordBatch } from './recordBatch.js';
import { RecordBatchBuilder, STAGE_BYTES } from './recordBatchBuilder.js';
import { checkBatchSequences } from './sequenceCheck.js';
import type { SequenceAlphabet } from './sequenceAlphabet.js';
import { HEADER_HASH_SEED, hashHeaderLine, isSyncRecord } from './syncPoint.js';

/** What a {@link RecordCollector} needs of the reader's options (ResolvedFastaParseOptions has them). */
export interface RecordCollectorOptions {
  readonly source: string;
  readonly batchBases: number;
  readonly batchRecords: number;
  readonly onSkippedRecord: ((record: FastaRecordRef) => void) | undefined;
  readonly stats: FastaStats;
  readonly alphabet: SequenceAlphabet;
  readonly syncBytes: number;
}

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;

/** Whether a header byte ends the id: space, tab or '\r' (the other whitespace bytes are control bytes, refused in headers). */
export function isHeaderSpace(byte: number): boolean {
  return byte === SPACE || byte === TAB || byte === CR;
}

/**
 * The '\n' ending the header line that starts at `start`, or -1. A header is usually an id alone: stepping
 * over its first word in JS finds the '\n' without the native search's call (~40 ns a record).
 */
export function headerLineEnd(src: Uint8Array, start: number, n: number): number {
  let i = start;
  while (i < n && src[i]! > SPACE) i += 1;
  return i < n && src[i] === LF ? i : src.indexOf(LF, i);
}

/**
 * Where the first binary byte at or after `from` is (`src.length` if none). A header line may hold UTF-8 or
 * Latin-1 text, which fails a slice's ASCII check: past such a line the screen starts again from its end.
 */
export function binaryByteAfter(src: Buffer, from: number): number {
  const next = firstBinaryByte(src.subarray(from), false);
  return next < 0 ? src.length : from + next;
}

/**
 * Reads one slice of input staged in the builder. `clean` is where its first binary byte is (its length if
 * none): a line ending after it holds that byte.
 */
export type StagedSliceParser = (src: Buffer, clean: number) => void;

/**
 * The record-level half of the readers, shared by the FASTA and the FASTQ parser (which only find lines): a
 * record's id (Biopython's `title.split()[0]`) and header hash, its bases into the batch builder, the sync
 * cut before it, the skip of an empty record, and the checks on every batch cut (odd letters, binary bytes,
 * the protein rule, which holds batches back until it has decided).
 */
export class RecordCollector {
  readonly builder: RecordBatchBuilder;
  readonly stats: FastaStats;
  readonly #alphabet: SequenceAlphabet;
  readonly #source: string;
  readonly #onSkippedRecord: ((record: FastaRecordRef) => void) | undefined;
  readonly #syncBytes: number;
  readonly #sample = new NucleotideSample();
  /** The protein rule applies to nucleotide input only. */
  #sampleDecided: boolean;
  /** Batches cut before the protein rule has decided; released (or refused) together. */
  #held: RecordBatch[] = [];
  #ready: RecordBatch[] = [];
  /** 1-based line of the current record's header. */
  #recordLine = 0;
  /** Hash of the current record's header line so far (src/fasta/syncPoint.ts). */
  #headerHash = HEADER_HASH_SEED;
  /** Whether the id's first byte has been seen (whitespace after '>' or '@' is skipped). */
  #idStarted = false;

  constructor(options: RecordCollectorOptions) {
    this.builder = new RecordBatchBuilder(options.source, options.batchBases, options.batchRecords);
    this.stats = options.stats;
    this.#alphabet = options.alphabet;
    this.#source = options.source;
    this.#onSkippedRecord = options.onSkippedRecord;
    this.#syncBytes = options.syncBytes;
    this.#sampleDecided = options.alphabet === 'protein';
  }

  /**
   * Takes a chunk of input of any size: counts its bytes, stages it in the builder a slice of at most
   * STAGE_BYTES at a time (so the parser appends sequence lines by offset), screens each slice for binary
   * bytes with native scans, has `parseSlice` find its lines, then checks the batches cut.
   */
  push(chunk: Uint8Array, parseSlice: StagedSliceParser): void {
    this.stats.bytes += chunk.length;
    for (let at = 0; at < chunk.length; at += STAGE_BYTES) {
      const slice = chunk.subarray(at, Math.min(chunk.length, at + STAGE_BYTES));
      const src = Buffer.isBuffer(slice) ? slice : Buffer.from(slice.buffer, slice.byteOffset, slice.length);
      const binaryAt = firstBinaryByte(src, isAscii(src));
      this.builder.stage(src);
      parseSlice(src, binaryAt < 0 ? src.length : binaryAt);
    }
    this.acceptCut();
  }

  /** The current record's id so far (complete once its header line is). */
  get id(): string {
    return this.builder.id;
  }

  /** Starts a record whose header line is line `line` (its '>' or '@' consumed). */
  beginRecord(line: number): void {
    this.#recordLine = line;
    this.#headerHash = HEADER_HASH_SEED;
    this.#idStarted = false;
  }

  /** Folds header bytes `src[start, end)` (after the '>' or '@') into the record's sync hash. */
  hashHeader(src: Uint8Array, start: number, end: number): void {
    this.#headerHash = hashHeaderLine(this.#headerHash, src, start, end);
  }

  /**
   * Reads id bytes from `src[start, end)` into the batch; true once the id is complete. Like Python's
   * `title.split()[0]`, whitespace after '>' is skipped and the id ends at the next whitespace or the end of
   * the line (a header straddling chunks gives its id in pieces).
   */
  readId(src: Uint8Array, start: number, end: number, lineComplete: boolean): boolean {
    let i = start;
    if (!this.#idStarted) {
      while (i < end && isHeaderSpace(src[i]!)) i += 1;
      if (i === end) return lineComplete;
      this.#idStarted = true;
    }
    const from = i;
    while (i < end && !isHeaderSpace(src[i]!)) i += 1;
    this.builder.appendId(src, from, i);
    return i < end || lineComplete;
  }

  /** Appends a sequence line (or the part of it in this chunk), staged in the builder, without its trailing whitespace. */
  appendSequence(src: Uint8Array, start: number, end: number): void {
    while (end > start) {
      const b = src[end - 1]!;
      if (b !== CR && b !== SPACE && b !== TAB) break;
      end -= 1;
    }
    if (end > start) this.builder.append(start, end);
  }

  /**
   * Closes the current record. `rawBytes` is its length as FASTA, from its '>' to the next header: the sync
   * rule's measure, so that a FASTQ file is cut into the batches of the same reads as FASTA.
   */
  endRecord(rawBytes: number): void {
    const stats = this.stats;
    const builder = this.builder;
    if (isSyncRecord(this.#headerHash, rawBytes, this.#syncBytes)) builder.cutBeforeCurrent();
    const emptyId = builder.idLength === 0;
    if (builder.recordLength === 0) {
      const skipped = { id: builder.id, line: this.#recordLine };
      if (stats.emptyExamples.length < STATS_EXAMPLES) stats.emptyExamples.push(skipped);
      this.#onSkippedRecord?.(skipped);
    }
    if (builder.endRecord(this.#recordLine)) {
      if (emptyId) {
        stats.emptyIds += 1;
        stats.firstEmptyId ??= { id: '', line: this.#recordLine };
      }
    } else {
      stats.emptySkipped += 1;
    }
  }

  /** Checks the batches the builder has cut and queues them (held back while the protein rule is open). */
  acceptCut(): void {
    for (const cut of this.builder.takeReady()) {
      const batch = checkBatchSequences(cut, this.stats, this.#alphabet);
      this.stats.records += batch.count;
      this.stats.bases += batch.bases.length;
      this.stats.batches += 1;
      if (this.#sampleDecided) {
        this.#ready.push(batch);
        continue;
      }
      this.#held.push(batch);
      this.#sample.add(batch.bases);
      if (this.#sample.full) this.#decide();
    }
  }

  /** The input has ended (its last record closed): cuts the last batch and decides the protein rule if still open. */
  end(): void {
    this.builder.flush();
    this.acceptCut();
    if (!this.#sampleDecided) this.#decide();
  }

  takeReady(): RecordBatch[] {
    const ready = this.#ready;
    this.#ready = [];
    return ready;
  }

  #decide(): void {
    this.#sampleDecided = true;
    const sample = this.#sample;
    if (sample.looksLikeProtein()) {
      const first = this.#held[0]!;
      throw proteinError(Math.round(100 * sample.nucleotideFraction), sample.letters, sample.proteinOnly, {
        file: this.#source,
        line: first.headerLines[0]!,
        recordId: first.ids[0]!,
      });
    }
    this.#ready.push(...this.#held);
    this.#held = [];
  }
}
