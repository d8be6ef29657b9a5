import type { RecordBatch } from './recordBatch.js';
import { decodeIds, latin1 } from './recordIds.js';

/**
 * A batch whose bytes fill less than this fraction of its buffer is copied out to an exact-size buffer, and
 * the working buffer is reused. A fuller one takes the working buffer with it (no copy) and a new one is
 * allocated. Either way a batch never pins more than twice its own bytes (the stage included), so a small
 * batch (few records, cut by batchRecords, or a small batchBases) cannot hold a buffer the credit does not
 * account for.
 */
const HANDOVER_MIN_FILL = 0.5;

/**
 * Input bytes staged at the end of the working buffer. Lines are then moved into the batch with
 * copyWithin, a native memmove that allocates nothing: ~50 ns a line, against ~85 ns for subarray() + set()
 * and ~300 ns for a byte loop on a 60-column line (docs/adr/0001-fasta-parser.md). Memory: 64 KiB per working
 * buffer, which a handed-over batch keeps (6 % of a default 1 MiB batch; smaller batches are copied out).
 */
export const STAGE_BYTES = 64 * 1024;
/** First size of the id byte buffer; it doubles as needed (ids of one batch, ~10 bytes a read). */
const INITIAL_ID_BYTES = 64 * 1024;

/**
 * Builds {@link RecordBatch}es: sequence bytes are appended into one buffer the builder allocates itself
 * (never Node's Buffer pool, so a batch can be transferred to a worker), with offsets, ids and header lines.
 * Id bytes are collected per batch and decoded once when the batch is cut (recordIds.ts).
 *
 * The caller stages up to {@link STAGE_BYTES} of input with {@link stage}, then appends sequence lines by
 * their offsets in it.
 *
 * Cutting rule: a batch is cut after the record that reaches `batchRecords` records or `batchBases` bytes,
 * and before a record that would not fit in the remaining `batchBases`; a record larger than `batchBases`
 * grows the buffer and travels alone (memory: the largest record, up to twice while it grows). Records never
 * straddle batches. The parser also cuts before sync records ({@link cutBeforeCurrent}). Every rule counts
 * from the batch start only, so batches after a cut depend only on the records after it.
 */
export class RecordBatchBuilder {
  readonly #source: string;
  readonly #batchBases: number;
  readonly #batchRecords: number;
  /** [0, capacity): the batch being built; [capacity, capacity + STAGE_BYTES): staged input. */
  #buffer: Uint8Array;
  #capacity: number;
  #stageLength = 0;
  /** Bytes used by the batch, the current record's partial sequence included. */
  used = 0;
  /** Complete records in the batch being built. */
  count = 0;
  readonly #starts: Uint32Array;
  readonly #lines: Uint32Array;
  /** Latin-1 id bytes: id r is [#idStarts[r], #idStarts[r + 1]); the current record's id so far follows. */
  #idBytes = new Uint8Array(INITIAL_ID_BYTES);
  #idUsed = 0;
  readonly #idStarts: Uint32Array;
  readonly #ready: RecordBatch[] = [];

  constructor(source: string, batchBases: number, batchRecords: number) {
    this.#source = source;
    this.#batchBases = batchBases;
    this.#batchRecords = batchRecords;
    this.#capacity = batchBases;
    this.#buffer = allocate(batchBases + STAGE_BYTES);
    this.#starts = new Uint32Array(batchRecords + 1);
    this.#lines = new Uint32Array(batchRecords);
    this.#idStarts = new Uint32Array(batchRecords + 1);
  }

  /** Length of the record being appended so far. */
  get recordLength(): number {
    return this.used - this.#starts[this.count]!;
  }

  /** Bytes of the current record's id so far. */
  get idLength(): number {
    return this.#idUsed - this.#idStarts[this.count]!;
  }

  /** The current record's id so far, decoded (for messages: ids of kept records are decoded per batch). */
  get id(): string {
    return latin1(this.#idBytes, this.#idStarts[this.count]!, this.#idUsed);
  }

  /** Appends `src[start, end)` to the current record's id (a header straddling chunks arrives in pieces). */
  appendId(src: Uint8Array, start: number, end: number): void {
    const needed = this.#idUsed + end - start;
    if (needed > this.#idBytes.length) {
      const grown = new Uint8Array(Math.max(needed, 2 * this.#idBytes.length));
      grown.set(this.#idBytes.subarray(0, this.#idUsed));
      this.#idBytes = grown;
    }
    // Ids are short: a byte loop beats creating a view for a native copy.
    const ids = this.#idBytes;
    let at = this.#idUsed;
    for (let i = start; i < end; i++) ids[at++] = src[i]!;
    this.#idUsed = at;
  }

  /** Copies `input` (at most STAGE_BYTES) into the stage, replacing what was there. */
  stage(input: Uint8Array): void {
    this.#buffer.set(input, this.#capacity);
    this.#stageLength = input.length;
  }

  /** Appends staged bytes `[start, end)` to the current record. */
  append(start: number, end: number): void {
    const length = end - start;
    if (this.used + length > this.#capacity) this.#makeRoom(length);
    this.#buffer.copyWithin(this.used, this.#capacity + start, this.#capacity + end);
    this.used += length;
  }

  /**
   * Closes the current record. Returns false, and keeps nothing (its id bytes dropped), when it has no bases
   * (the caller reports the skip). Cuts the batch when it is full.
   */
  endRecord(headerLine: number): boolean {
    if (this.recordLength === 0) {
      this.#idUsed = this.#idStarts[this.count]!;
      return false;
    }
    this.#lines[this.count] = headerLine;
    this.count += 1;
    this.#starts[this.count] = this.used;
    this.#idStarts[this.count] = this.#idUsed;
    if (this.count >= this.#batchRecords || this.used >= this.#batchBases) this.#cut();
    return true;
  }

  /** Cuts the batch of the complete records so far, if any, so that the current record starts the next (a sync record). */
  cutBeforeCurrent(): void {
    if (this.count > 0) this.#cut();
  }

  /** Cuts the batch of the complete records so far, if any (end of input). */
  flush(): void {
    if (this.count > 0) this.#cut();
  }

  /** Takes the batches cut so far, oldest first. */
  takeReady(): RecordBatch[] {
    return this.#ready.splice(0, this.#ready.length);
  }

  /** Makes room for `length` more bytes: cut the complete records off, or grow for a record alone. */
  #makeRoom(length: number): void {
    if (this.count > 0) this.#cut();
    const needed = this.used + length;
    if (needed > this.#capacity) this.#replaceBuffer(Math.max(needed, 2 * this.#capacity), 0);
  }

  /** Emits the complete records and moves the current record's partial bytes (and id) to the front of a buffer. */
  #cut(): void {
    const end = this.#starts[this.count]!;
    const partial = this.used - end;
    const handover = end >= this.#buffer.length * HANDOVER_MIN_FILL;
    const bases = handover ? this.#buffer.subarray(0, end) : this.#buffer.slice(0, end);
    // A buffer grown for a giant record is not kept: the next batches go back to batchBases.
    if (handover || this.#capacity > this.#batchBases) this.#replaceBuffer(Math.max(this.#batchBases, partial), end);
    else this.#buffer.copyWithin(0, end, this.used);
    const idEnd = this.#idStarts[this.count]!;
    const ids = decodeIds({ bytes: this.#idBytes.slice(0, idEnd), starts: this.#idStarts.slice(0, this.count + 1) });
    this.#idBytes.copyWithin(0, idEnd, this.#idUsed);
    this.#idUsed -= idEnd;
    this.#ready.push({
      bases,
      starts: this.#starts.slice(0, this.count + 1),
      ids,
      headerLines: this.#lines.slice(0, this.count),
      count: this.count,
      source: this.#source,
      ownsBases: true, // handed over, or copied out to an exact-size buffer: never the working buffer
    });
    this.count = 0;
    this.used = partial;
    this.#starts[0] = 0;
  }

  /** A new working buffer of `capacity`, holding bytes `[from, used)` of the old one and the stage. */
  #replaceBuffer(capacity: number, from: number): void {
    const old = this.#buffer;
    const next = allocate(capacity + STAGE_BYTES);
    next.set(old.subarray(from, this.used));
    next.set(old.subarray(this.#capacity, this.#capacity + this.#stageLength), capacity);
    this.#buffer = next;
    this.#capacity = capacity;
  }
}

/**
 * A buffer of its own (never a slice of Node's shared pool, so it can be transferred), left uninitialised:
 * zero-filling 1 MiB per batch showed in profiles, and only bytes the parser has written are ever exposed.
 * A plain Uint8Array view, so that slice() copies (Buffer's slice() would not).
 */
function allocate(bytes: number): Uint8Array {
  return new Uint8Array(Buffer.allocUnsafeSlow(bytes).buffer, 0, bytes);
}
