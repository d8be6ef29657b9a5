import type { Matrix, ModelBatch } from './batches.js';
import type { InferenceBackend, InferenceBackendDescription } from './inferenceBackend.js';

/**
 * Several started backends of one model seen as one (several GPUs in one process: one backend per device).
 * Each batch goes whole to the member with the most free capacity (fewest requests in flight for its
 * concurrency; ties to the lower index), so a faster or less loaded device takes more batches and every
 * member stays busy while the callers keep `concurrency` (the members' sum) requests in flight. A batch's
 * result does not depend on which member ran it when the members run the same model on the same kind of
 * device; the outputs are then the same as on one device.
 */

/** What one member did: its description and its counts so far. */
export interface SpreadMemberStats {
  readonly device: string;
  readonly batches: number;
  readonly rows: number;
  /** Seconds with at least one request in flight on this member. */
  readonly busySeconds: number;
}

interface Member<B extends ModelBatch> {
  readonly backend: InferenceBackend<B>;
  inFlight: number;
  batches: number;
  rows: number;
  busyMs: number;
  busySince: number;
}

export class SpreadBackend<B extends ModelBatch> implements InferenceBackend<B> {
  readonly model: InferenceBackend<B>['model'];
  readonly concurrency: number;
  readonly outputWidth: number;
  readonly paddedLengthMultiple: number;
  readonly #members: Member<B>[];

  /** `members`: started backends of the same model (same label, same output width), at least one. */
  constructor(members: readonly InferenceBackend<B>[]) {
    const first = members[0];
    if (first === undefined) throw new RangeError('a spread backend needs at least one member');
    for (const member of members) {
      if (member.model.label !== first.model.label || member.outputWidth !== first.outputWidth) {
        throw new RangeError(`spread backend members run different models (${first.model.label}, ${member.model.label})`);
      }
    }
    this.model = first.model;
    this.outputWidth = first.outputWidth;
    // Every member gets batches of every width: pad to what all of them want (1, 4 or 8: the largest).
    this.paddedLengthMultiple = Math.max(...members.map((member) => member.paddedLengthMultiple ?? 1));
    this.concurrency = members.reduce((sum, member) => sum + member.concurrency, 0);
    this.#members = members.map((backend) => ({ backend, inFlight: 0, batches: 0, rows: 0, busyMs: 0, busySince: 0 }));
  }

  async run(batch: B, signal?: AbortSignal): Promise<Matrix> {
    const member = this.#leastLoaded();
    const rows = batch.rows;
    if (member.inFlight++ === 0) member.busySince = performance.now();
    try {
      const result = await member.backend.run(batch, signal);
      member.batches += 1;
      member.rows += rows;
      return result;
    } finally {
      if (--member.inFlight === 0) member.busyMs += performance.now() - member.busySince;
    }
  }

  /** Per member, in the order given: device, batches and rows done, busy time. */
  get stats(): SpreadMemberStats[] {
    const now = performance.now();
    return this.#members.map((member) => ({
      device: member.backend.describe().device,
      batches: member.batches,
      rows: member.rows,
      busySeconds: (member.busyMs + (member.inFlight > 0 ? now - member.busySince : 0)) / 1000,
    }));
  }

  describe(): InferenceBackendDescription {
    const descriptions = this.#members.map((member) => member.backend.describe());
    return {
      backend: `spread(${descriptions[0]!.backend})`,
      model: this.model.label,
      device: descriptions.map((description) => description.device).join(','),
      concurrency: this.concurrency,
      details: { members: this.stats.map((stats, i) => ({ ...stats, details: descriptions[i]!.details })) },
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.#members.map((member) => member.backend.close()));
  }

  #leastLoaded(): Member<B> {
    let best = this.#members[0]!;
    for (const member of this.#members) {
      if (member.inFlight / member.backend.concurrency < best.inFlight / best.backend.concurrency) best = member;
    }
    return best;
  }
}

/**
 * Starts `start(deviceId)` on every device of `deviceIds` and returns one backend: the started one for a
 * single device, a {@link SpreadBackend} over all of them otherwise. If any start fails, the others are
 * closed and the first error is thrown.
 */
export async function startOnDevices<B extends ModelBatch>(
  deviceIds: readonly number[],
  start: (deviceId: number) => Promise<InferenceBackend<B>>,
): Promise<InferenceBackend<B>> {
  if (deviceIds.length === 0) throw new RangeError('no device to start on');
  if (deviceIds.length === 1) return start(deviceIds[0]!);
  const started = await Promise.allSettled(deviceIds.map((id) => start(id)));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await Promise.allSettled(started.flatMap((result) => (result.status === 'fulfilled' ? [result.value.close()] : [])));
    throw failed.reason;
  }
  return new SpreadBackend(started.map((result) => (result as PromiseFulfilledResult<InferenceBackend<B>>).value));
}
