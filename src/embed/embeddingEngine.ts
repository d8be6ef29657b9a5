import { VirnucproError } from '../errors.js';
import type { Credit, Leased } from '../flow/credit.js';
import { padTokenRows, type Matrix, type TokenBatch } from '../model/batches.js';
import { GroupAssembler } from '../packing/groupAssembler.js';
import { TokenPacker, type PackedBatch } from '../packing/tokenPacker.js';
import type { ResolvedEmbedOptions } from './embedOptions.js';
import type { RowSelector } from './rowSelector.js';
import { RowTokenizer, type RowJob } from './tokenizeRows.js';

/**
 * Bytes tokenized before the engine yields to the event loop, so that model results are taken in and the
 * next packs sent while a large batch is still being tokenized: a 1 MiB batch of DNA is ~100 ms of BPE work,
 * during which the workers would otherwise run out of packs. ~3 ms of BPE per slice. Memory: none.
 */
const TOKENIZE_SLICE_BYTES = 32 * 1024;

/**
 * A packer key is `ticket × ROW_SLOTS + row`: the upstream batch's GroupAssembler ticket and the row in it, in
 * one float64-exact number (no object per row). Rows per batch must stay below it (a readFasta batch holds at
 * most 2^24 records; a chunkReads part at most 8 192 × 6 frames), and tickets below 2^29: 5 × 10^8 batches.
 */
const ROW_SLOTS = 2 ** 24;

/** What the engine needs, fully resolved: the operator's resolved options, the rows to embed, and the backend's run. */
export interface EmbeddingEngineSettings<B> extends Omit<ResolvedEmbedOptions, 'pool' | 'signal'> {
  readonly rows: RowSelector<B>;
  /** Runs one padded batch: the inference pool's `run`. */
  readonly run: (batch: TokenBatch, signal: AbortSignal) => Promise<Matrix>;
}

/** Where the engine delivers, like an Observer. */
export interface EmbeddingSink<B> {
  /** Batch `batch` in input order, with `embeddings` float32 [rows, hiddenSize] (row i = row i of the batch). */
  next(batch: B, embeddings: Float32Array): void;
  error(error: unknown): void;
  complete(): void;
}

interface Group<B> {
  readonly ticket: number;
  /** The batch and its token ids (still filling while the group waits in #tokenizing). */
  readonly job: RowJob<B>;
  /** Allocated with the group's first result, so rows still waiting in the window cost no output memory. */
  output: Float32Array | undefined;
}

/**
 * The embedding stage without RxJS: tokenizes each arriving batch's rows (in slices, between which model
 * results are taken in), packs them by token length into padded batches under the token budget
 * (TokenPacker), runs those on the inference pool, scatters the pooled rows back into each upstream batch's
 * own matrix, and hands batches on strictly in input order as soon as all their rows are done
 * (GroupAssembler).
 *
 * When the packer cuts (docs/backpressure.md, "Stages that wait for enough items"):
 * - its window is full;
 * - end of input ({@link end});
 * - upstream is stalled on credit (`Credit.waiting` > 0: the credit of the first batch's lease), every batch
 *   received is tokenized and no pack is running: no row can arrive until something this stage holds completes;
 * - `lingerMs` after the last input was tokenized, once no pack is running (slow input, stdin trickling in).
 * At most `maxInFlight` packs are at the pool; further cut packs wait here, in cut order.
 *
 * **Memory:** rows held = batches waiting to be tokenized + the packer's window (< `window` rows) + cut packs
 * waiting + packs in flight; every one belongs to an upstream batch that still holds its credit lease, so the
 * pipeline's Credit bounds them. Per held batch: its token ids (4 B a token; while it is being tokenized the
 * worst case, ~4 B a byte), upper-cased bytes if the selector asks, and, from its first result, its output
 * matrix (4 B × hiddenSize a row). Per pack in flight: its padded int64 ids and mask (16 B × rows × padded length ≤
 * 16 B × tokenBudget, 256 KiB at the default budget, except an over-long row alone) and its pooled result.
 * **Order:** batches leave in arrival order; zero-row batches too, in their place.
 * **Errors:** the first error (tokenizer, ROW_TOO_LONG, pool) goes to `sink.error`; the engine then stops,
 * aborts the packs in flight and releases the leases of the batches it held.
 */
export class EmbeddingEngine<B extends Leased> {
  readonly #settings: EmbeddingEngineSettings<B>;
  readonly #sink: EmbeddingSink<B>;
  readonly #tokenizer: RowTokenizer<B>;
  readonly #packer: TokenPacker<number>;
  readonly #assembler = new GroupAssembler<Group<B>>();
  /** The groups the assembler holds, by ticket − #firstTicket (the assembler only counts). */
  readonly #groups: Group<B>[] = [];
  #firstTicket = 0;
  /** Groups with rows still to tokenize, in arrival order; the head is being tokenized. */
  #tokenizing: Group<B>[] = [];
  #slice: NodeJS.Immediate | undefined;
  /** Packs cut and not yet sent, in cut order. */
  #waiting: PackedBatch<number>[] = [];
  #inFlight = 0;
  readonly #abort = new AbortController();
  #credit: Credit | undefined;
  #stopWatchingCredit: (() => void) | undefined;
  #linger: NodeJS.Timeout | undefined;
  #lingerExpired = false;
  #ended = false;
  #finished = false;

  constructor(settings: EmbeddingEngineSettings<B>, sink: EmbeddingSink<B>) {
    this.#settings = settings;
    this.#sink = sink;
    this.#tokenizer = new RowTokenizer(settings.tokenizer, settings.rows, settings.maxTokens);
    this.#packer = new TokenPacker<number>(settings.packing);
  }

  /** Takes the next upstream batch. After an error or {@link close} it only releases the batch's lease. */
  push(batch: B): void {
    if (this.#finished) {
      batch.lease.release();
      return;
    }
    this.#watch(batch.lease.credit);
    let job: RowJob<B>;
    try {
      job = this.#tokenizer.begin(batch);
      if (job.count >= ROW_SLOTS)
        throw new VirnucproError('INTERNAL', `a batch of ${job.count} rows is over the ${ROW_SLOTS - 1} an embedding stage takes`);
    } catch (error) {
      batch.lease.release();
      this.#fail(error);
      return;
    }
    const ticket = this.#firstTicket + this.#groups.length;
    const group: Group<B> = { ticket, job, output: undefined };
    this.#assembler.add(group, job.count);
    this.#groups.push(group);
    this.#lingerExpired = false;
    this.#stopLinger();
    if (job.count === 0) this.#emitReady();
    else {
      this.#tokenizing.push(group);
      this.#scheduleSlice();
    }
  }

  /** No more input: once every batch is tokenized the window is cut; the sink completes once every batch has left. */
  end(): void {
    if (this.#finished || this.#ended) return;
    this.#ended = true;
    if (this.#tokenizing.length > 0) return; // the last slice cuts
    this.#cut();
    this.#checkDone();
  }

  /**
   * Stops (unsubscribe, or after an error): aborts the packs in flight, drops the window, and releases the
   * leases of the batches held (they will never be emitted). Harmless to call twice or after completion.
   */
  close(): void {
    if (this.#finished) return;
    this.#finish();
  }

  #group(ticket: number): Group<B> {
    return this.#groups[ticket - this.#firstTicket]!;
  }

  #watch(credit: Credit): void {
    if (this.#credit) return;
    this.#credit = credit;
    // onWait listeners run inside Credit.acquire and must not throw: act a microtask later.
    this.#stopWatchingCredit = credit.onWait(() => queueMicrotask(() => this.#flushIfStuck()));
  }

  #scheduleSlice(): void {
    if (this.#slice === undefined && !this.#finished) this.#slice = setImmediate(() => this.#runSlice());
  }

  /** Tokenizes about TOKENIZE_SLICE_BYTES of the waiting batches, feeding the packer, then yields. */
  #runSlice(): void {
    this.#slice = undefined;
    try {
      let budget = TOKENIZE_SLICE_BYTES;
      while (budget > 0 && this.#tokenizing.length > 0) {
        const { job, ticket } = this.#tokenizing[0]!;
        const base = ticket * ROW_SLOTS;
        budget -= this.#tokenizer.continue(job, budget, (row, tokens) => {
          for (const pack of this.#packer.push(base + row, tokens)) this.#waiting.push(pack);
        });
        if (job.next === job.count) this.#tokenizing.shift();
      }
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#pump();
    if (this.#tokenizing.length > 0) {
      this.#scheduleSlice();
    } else if (this.#ended) {
      this.#cut();
      this.#checkDone();
    } else {
      this.#armLinger();
      this.#flushIfStuck();
    }
  }

  #stopLinger(): void {
    if (this.#linger) clearTimeout(this.#linger);
    this.#linger = undefined;
  }

  #armLinger(): void {
    const { lingerMs } = this.#settings;
    this.#stopLinger();
    if (!Number.isFinite(lingerMs) || this.#packer.size === 0) return;
    this.#linger = setTimeout(() => {
      this.#linger = undefined;
      this.#lingerExpired = true;
      this.#flushIfStuck();
    }, lingerMs);
  }

  /**
   * Cuts the window when every batch received is tokenized, no pack is running, and either upstream is
   * stalled or the linger time has passed.
   */
  #flushIfStuck(): void {
    if (this.#finished || this.#packer.size === 0 || this.#tokenizing.length > 0 || this.#inFlight > 0 || this.#waiting.length > 0) return;
    const stalled = (this.#credit?.waiting ?? 0) > 0;
    if (stalled || this.#lingerExpired) this.#cut();
  }

  #cut(): void {
    for (const pack of this.#packer.flush()) this.#waiting.push(pack);
    this.#stopLinger();
    this.#pump();
  }

  #pump(): void {
    while (!this.#finished && this.#inFlight < this.#settings.maxInFlight && this.#waiting.length > 0) {
      this.#dispatch(this.#waiting.shift()!);
    }
  }

  #dispatch(pack: PackedBatch<number>): void {
    const rows = pack.keys.map((key) => {
      const { job } = this.#group(Math.floor(key / ROW_SLOTS));
      const row = key % ROW_SLOTS;
      return job.ids.subarray(job.starts[row]!, job.starts[row + 1]!);
    });
    let request: Promise<Matrix>;
    try {
      request = this.#settings.run(padTokenRows(rows, this.#settings.padId, pack.paddedLength), this.#abort.signal);
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#settings.stats?.record(pack);
    this.#inFlight += 1;
    request.then(
      (result) => {
        this.#inFlight -= 1;
        if (this.#finished) return;
        try {
          this.#scatter(pack, result);
        } catch (error) {
          this.#fail(error);
          return;
        }
        this.#emitReady();
        this.#pump();
        this.#flushIfStuck();
        this.#checkDone();
      },
      (error: unknown) => {
        this.#inFlight -= 1;
        this.#fail(error);
      },
    );
  }

  /** Copies each pooled row into its batch's matrix and counts it done. */
  #scatter(pack: PackedBatch<number>, result: Matrix): void {
    const hidden = this.#settings.hiddenSize;
    if (result.rows !== pack.keys.length || result.columns !== hidden) {
      throw new VirnucproError(
        'INTERNAL',
        `the pool answered [${result.rows}, ${result.columns}] for a pack of ${pack.keys.length} rows of width ${hidden}`,
      );
    }
    const data = result.data;
    pack.keys.forEach((key, r) => {
      const ticket = Math.floor(key / ROW_SLOTS);
      const group = this.#group(ticket);
      group.output ??= new Float32Array(group.job.count * hidden);
      group.output.set(data.subarray(r * hidden, (r + 1) * hidden), (key % ROW_SLOTS) * hidden);
      this.#assembler.complete(ticket, 1);
    });
  }

  #emitReady(): void {
    const ready = this.#assembler.takeReady();
    if (ready.length === 0) return;
    this.#groups.splice(0, ready.length);
    this.#firstTicket += ready.length;
    for (const group of ready) {
      // A downstream that unsubscribes inside next() closes the engine: stop handing out batches then.
      if (this.#finished) {
        group.job.batch.lease.release();
        continue;
      }
      this.#sink.next(group.job.batch, group.output ?? new Float32Array(0));
    }
  }

  #checkDone(): void {
    if (
      this.#finished ||
      !this.#ended ||
      this.#tokenizing.length > 0 ||
      this.#inFlight > 0 ||
      this.#waiting.length > 0 ||
      this.#assembler.size > 0
    )
      return;
    this.#finish();
    this.#sink.complete();
  }

  #fail(error: unknown): void {
    if (this.#finished) return;
    this.#finish();
    this.#sink.error(error);
  }

  #finish(): void {
    this.#finished = true;
    this.#abort.abort(new Error('embedding stage stopped'));
    this.#stopLinger();
    if (this.#slice) clearImmediate(this.#slice);
    this.#slice = undefined;
    this.#stopWatchingCredit?.();
    this.#packer.flush();
    this.#waiting = [];
    this.#tokenizing = [];
    for (const group of this.#groups.splice(0)) group.job.batch.lease.release();
  }
}
