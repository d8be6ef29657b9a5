import type { Lease, Leased } from '../flow/credit.js';

/** Where a {@link LeaseOrderedQueue} delivers. */
export interface LeaseOrderedSink<T> {
  next(item: T & Leased): void;
  /** A lease request failed (aborted): the stream should error. */
  error(error: unknown): void;
  /** The queue has just emptied after waiting on a lease (a stream whose source completed can now complete). */
  drained(): void;
}

interface Entry<T> {
  readonly item: T;
  lease: Lease | undefined;
}

/**
 * Emits items in the order they were pushed, each with its lease, once that lease is granted. This is how a
 * stage that splits one batch into several parts keeps order while each extra part waits for its own credit.
 *
 * Bound: every entry either holds a granted lease (so it is within the pipeline's credit) or waits for one
 * it has already requested; a splitting stage requests all extra parts of a batch at once (FIFO, ahead of
 * the source's next read), so at most one batch's parts wait beyond the credit, and waiting entries hold
 * only views on their batch.
 */
export class LeaseOrderedQueue<T extends object> {
  readonly #sink: LeaseOrderedSink<T>;
  readonly #entries: Entry<T>[] = [];
  #closed = false;

  constructor(sink: LeaseOrderedSink<T>) {
    this.#sink = sink;
  }

  /** Items waiting (for their own lease or for one ahead of them). */
  get size(): number {
    return this.#entries.length;
  }

  /**
   * Queues `item`; it is emitted with `lease` at once if nothing waits ahead of it, or once `lease` resolves.
   * After {@link close} the item is dropped and its lease released (a closing downstream may stop the
   * stream between two pushes of one batch).
   */
  push(item: T, lease: Lease | Promise<Lease>): void {
    if (this.#closed) {
      if (lease instanceof Promise)
        lease.then(
          (granted) => granted.release(),
          () => undefined,
        );
      else lease.release();
      return;
    }
    if (!(lease instanceof Promise)) {
      if (this.#entries.length === 0) this.#sink.next({ ...item, lease });
      else this.#entries.push({ item, lease });
      return;
    }
    const entry: Entry<T> = { item, lease: undefined };
    this.#entries.push(entry);
    lease.then(
      (granted) => {
        if (this.#closed) return granted.release();
        entry.lease = granted;
        this.#drain();
      },
      (error: unknown) => {
        if (!this.#closed) this.#sink.error(error);
      },
    );
  }

  /** Stops emitting and releases the leases of items that will never be emitted (teardown). */
  close(): void {
    this.#closed = true;
    for (const entry of this.#entries.splice(0)) entry.lease?.release();
  }

  #drain(): void {
    for (let head = this.#entries[0]; !this.#closed && head?.lease !== undefined; head = this.#entries[0]) {
      this.#entries.shift();
      this.#sink.next({ ...head.item, lease: head.lease });
    }
    if (!this.#closed && this.#entries.length === 0) this.#sink.drained();
  }
}
