/**
 * The one backpressure primitive of virnucpro (docs/backpressure.md).
 *
 * A {@link Credit} is a window of `capacity` units shared by a whole pipeline. The source takes a
 * {@link Lease} for every batch before it emits it; the sink releases the lease once the batch's results have
 * left the process (written, or handed to user code that returned). Every item between the two therefore holds
 * credit, so the total weight alive anywhere in the pipeline (operator queues, worker pools, packing windows,
 * reorder buffers, the output stream's buffer) is at most `capacity`, whatever the input size.
 *
 * Stages that hold items until "enough" have arrived (packing windows) watch {@link Credit.waiting}: when the
 * source is blocked on credit no more items will come until something completes, so they must flush.
 */
export class Credit {
  readonly capacity: number;
  readonly name: string;
  #used = 0;
  #peak = 0;
  readonly #waiters: Waiter[] = [];
  readonly #waitListeners = new Set<() => void>();

  constructor(capacity: number, name = 'credit') {
    if (!Number.isFinite(capacity) || capacity < 1) {
      throw new TypeError(`${name}: capacity must be a finite number >= 1 (got ${capacity})`);
    }
    this.capacity = Math.floor(capacity);
    this.name = name;
  }

  /** Units currently leased. */
  get used(): number {
    return this.#used;
  }

  /** Highest `used` seen so far: what the memory benchmark and the slow-consumer tests check. */
  get peak(): number {
    return this.#peak;
  }

  /** Number of acquirers blocked because the window is full. Non-zero means upstream is stalled. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Takes `units` now if they fit (and nobody is queued ahead), else returns undefined.
   * A request larger than the whole window is clamped to `capacity`: such an item runs alone.
   */
  tryAcquire(units: number): Lease | undefined {
    const n = this.#clamp(units);
    if (this.#waiters.length > 0 || this.#used + n > this.capacity) return undefined;
    return this.#grant(n);
  }

  /** Takes `units`, waiting (FIFO) until they fit. Rejects with the signal's reason when aborted. */
  acquire(units: number, signal?: AbortSignal): Promise<Lease> {
    const lease = this.tryAcquire(units);
    if (lease) return Promise.resolve(lease);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = { units: this.#clamp(units), resolve, reject };
      if (signal) {
        const onAbort = (): void => {
          const at = this.#waiters.indexOf(waiter);
          if (at >= 0) this.#waiters.splice(at, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.#waiters.push(waiter);
      for (const listener of this.#waitListeners) listener();
    });
  }

  /**
   * Calls `listener` each time an acquirer starts waiting (upstream just stalled). Returns the unsubscribe
   * function. Listeners run synchronously inside `acquire`; they must not throw.
   */
  onWait(listener: () => void): () => void {
    this.#waitListeners.add(listener);
    return () => this.#waitListeners.delete(listener);
  }

  /** @internal called by {@link Lease.release}. */
  giveBack(units: number): void {
    this.#used -= units;
    while (this.#waiters.length > 0) {
      const head = this.#waiters[0]!;
      if (this.#used + head.units > this.capacity) break;
      this.#waiters.shift();
      head.cleanup?.();
      head.resolve(this.#grant(head.units));
    }
  }

  #grant(units: number): Lease {
    this.#used += units;
    if (this.#used > this.#peak) this.#peak = this.#used;
    return new Lease(this, units);
  }

  #clamp(units: number): number {
    return Math.min(this.capacity, Math.max(1, Math.ceil(units)));
  }
}

interface Waiter {
  readonly units: number;
  readonly resolve: (lease: Lease) => void;
  readonly reject: (reason: unknown) => void;
  cleanup?: () => void;
}

/** A share of a {@link Credit}. Releasing twice is harmless (teardown paths may race with completion). */
export class Lease {
  readonly credit: Credit;
  readonly units: number;
  #released = false;

  constructor(credit: Credit, units: number) {
    this.credit = credit;
    this.units = units;
  }

  get released(): boolean {
    return this.#released;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.credit.giveBack(this.units);
  }
}

/** Anything that travels through a pipeline holding credit: every batch type of virnucpro. */
export interface Leased {
  readonly lease: Lease;
}
