import type { RecordBatch } from './recordBatch.js';

/**
 * A batch whose bytes fill less than this fraction of its buffer is copied out to an exact-size buffer, and
 * the working buffer is reused. A fuller one takes the working buffer with it (no copy) and a new one is
 * allocated. Either way a batch never pins more than twice its own bytes, so a small batch (few records, or
 * cut by batchRecords) cannot hold a whole batchBases buffer that the credit does not account for.
 */
const HANDOVER_MIN_FILL = 0.5;

/**
 * Builds {@link RecordBatch}es: sequence bytes are appended into one buffer the builder allocates itself
 * (never Node's Buffer pool, so a batch can be transferred to a worker), with offsets, ids and header lines.
 *
 * Cutting rule: a batch is cut after the record that reaches `batchRecords` records or `batchBases` bytes,
 * and before a record that would not fit in the remaining `batchBases`; a record larger than `batchBases`
 * grows the buffer and travels alone (memory: the largest record). Records never straddle batches.
 */
export class RecordBatchBuilder {
  readonly #source: string;
  readonly #batchBases: number;
  readonly #batchRecords: number;
  /** Working buffer; the parser appends into it directly on its hot path. */
  bytes: Uint8Array;
  /** Bytes used in {@link bytes}, the current record's partial sequence included. */
  used = 0;
  /** Complete records in the batch being built. */
  count = 0;
  #starts: Uint32Array;
  #lines: Uint32Array;
  #ids: string[] = [];
  readonly #ready: RecordBatch[] = [];

  constructor(source: string, batchBases: number, batchRecords: number) {
    this.#source = source;
    this.#batchBases = batchBases;
    this.#batchRecords = batchRecords;
    this.bytes = new Uint8Array(batchBases);
    this.#starts = new Uint32Array(batchRecords + 1);
    this.#lines = new Uint32Array(batchRecords);
  }

  /** Length of the record being appended so far. */
  get recordLength(): number {
    return this.used - this.#starts[this.count]!;
  }

  /** Appends `src[start, end)` to the current record. */
  append(src: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (this.used + length > this.bytes.length) this.#makeRoom(length);
    const bytes = this.bytes;
    let at = this.used;
    // A 60-column line is cheaper to copy by hand than through subarray() + set(), which allocate a view.
    if (length <= SHORT_COPY) for (let i = start; i < end; i++) bytes[at++] = src[i]!;
    else bytes.set(src.subarray(start, end), at);
    this.used += length;
  }

  /**
   * Closes the current record. Returns false, and keeps nothing, when it has no bases (the caller reports the
   * skip). Cuts the batch when it is full.
   */
  endRecord(id: string, headerLine: number): boolean {
    if (this.recordLength === 0) return false;
    this.#ids.push(id);
    this.#lines[this.count] = headerLine;
    this.count += 1;
    this.#starts[this.count] = this.used;
    if (this.count >= this.#batchRecords || this.used >= this.#batchBases) this.#cut();
    return true;
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
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, 2 * this.bytes.length));
    grown.set(this.bytes.subarray(0, this.used));
    this.bytes = grown;
  }

  /** Emits the complete records and moves the current record's partial bytes to the front of a buffer. */
  #cut(): void {
    const end = this.#starts[this.count]!;
    const partial = this.used - end;
    const handover = end >= this.bytes.length * HANDOVER_MIN_FILL;
    const bases = handover ? this.bytes.subarray(0, end) : this.bytes.slice(0, end);
    // A buffer grown for a giant record is not kept: the next batches go back to batchBases.
    if (handover || this.bytes.length > this.#batchBases) {
      const next = new Uint8Array(Math.max(this.#batchBases, partial));
      next.set(this.bytes.subarray(end, this.used));
      this.bytes = next;
    } else {
      this.bytes.copyWithin(0, end, this.used);
    }
    this.#ready.push({
      bases,
      starts: this.#starts.slice(0, this.count + 1),
      ids: this.#ids,
      headerLines: this.#lines.slice(0, this.count),
      count: this.count,
      source: this.#source,
    });
    this.#ids = [];
    this.count = 0;
    this.used = partial;
    this.#starts[0] = 0;
  }
}

/** Longest line copied byte by byte rather than with set() (measured crossover, docs/adr/0001). */
const SHORT_COPY = 128;
