import { VirnucproError } from '../errors.js';

/**
 * Puts upstream groups back in order after their rows were packed into model batches that finish in any
 * order. The caller registers each upstream group (a batch of frames) with its row count as it arrives,
 * reports finished rows as batch results come back, and takes the groups whose rows are all done, strictly
 * in registration order.
 *
 * It only counts: the caller writes each row's result into its group (e.g. one Float32Array per group) and
 * the assembler says when a group is whole. `mapInOrder` (src/flow) cannot do this: it maps one item to one
 * result, while one packed batch holds rows of several groups and a group is whole only when the last batch
 * holding one of its rows has finished.
 *
 * **Memory:** one entry per group registered and not yet taken. It adds no bound of its own: the groups it
 * holds are those the caller put in, which in a pipeline are groups still holding their credit lease, so the
 * pipeline's Credit bounds them (docs/backpressure.md).
 * **Order:** {@link takeReady} returns groups in the order {@link add} saw them; a finished group waits behind
 * an unfinished earlier one.
 *
 * @example
 * const ticket = assembler.add(frameBatch, frameBatch.count);   // per upstream group
 * assembler.complete(ticket, 1);                                  // per row whose result came back
 * for (const group of assembler.takeReady()) emit(group);
 */
export class GroupAssembler<G> {
  readonly #groups: G[] = [];
  /** Rows still missing per held group, parallel to #groups. */
  readonly #missing: number[] = [];
  /** Ticket of #groups[0]. */
  #firstTicket = 0;

  /** Groups registered and not yet taken. */
  get size(): number {
    return this.#groups.length;
  }

  /**
   * Registers the next upstream group, expecting `rows` row results (0 is fine: it is ready at once, in
   * order). Returns its ticket, the handle {@link complete} takes.
   */
  add(group: G, rows: number): number {
    if (!Number.isInteger(rows) || rows < 0) {
      throw new VirnucproError('INTERNAL', `a group's row count must be a non-negative integer (got ${rows})`);
    }
    this.#groups.push(group);
    this.#missing.push(rows);
    return this.#firstTicket + this.#groups.length - 1;
  }

  /** Records that `rows` more rows of the group with this ticket have their results. */
  complete(ticket: number, rows = 1): void {
    const at = ticket - this.#firstTicket;
    const missing = this.#missing[at]; // undefined for a negative, fractional or past-the-end index
    if (missing === undefined) {
      throw new VirnucproError(
        'INTERNAL',
        `group ticket ${ticket} is not held (held: ${this.#firstTicket}..${this.#firstTicket + this.size - 1})`,
      );
    }
    if (!Number.isInteger(rows) || rows < 1 || rows > missing) {
      throw new VirnucproError('INTERNAL', `group ticket ${ticket}: ${rows} rows completed but ${missing} were missing`);
    }
    this.#missing[at] = missing - rows;
  }

  /** Removes and returns the finished groups at the head, in registration order (often none). */
  takeReady(): G[] {
    let ready = 0;
    while (ready < this.#missing.length && this.#missing[ready] === 0) ready += 1;
    if (ready === 0) return [];
    this.#missing.splice(0, ready);
    this.#firstTicket += ready;
    return this.#groups.splice(0, ready);
  }
}
