import { describe, expect, it } from 'vitest';
import { Credit, type Lease } from '../../src/flow/credit.js';
import { LeaseOrderedQueue } from '../../src/sequence/leaseOrderedQueue.js';

interface Part {
  readonly n: number;
}

function recorder() {
  const emitted: number[] = [];
  const errors: unknown[] = [];
  let drained = 0;
  const queue = new LeaseOrderedQueue<Part>({
    next: (part) => void emitted.push(part.n),
    error: (error) => void errors.push(error),
    drained: () => void (drained += 1),
  });
  return { queue, emitted, errors, drained: () => drained };
}

/** A lease promise the test resolves when it wants. */
function deferredLease(credit: Credit): { promise: Promise<Lease>; grant: () => void; fail: (error: unknown) => void } {
  let grant!: () => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<Lease>((resolve, reject) => {
    grant = () => resolve(credit.tryAcquire(1)!);
    fail = reject;
  });
  return { promise, grant, fail };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('LeaseOrderedQueue', () => {
  it('emits in push order even when later leases are granted first', async () => {
    const credit = new Credit(10);
    const { queue, emitted, drained } = recorder();
    const second = deferredLease(credit);
    const third = deferredLease(credit);
    queue.push({ n: 1 }, credit.tryAcquire(1)!);
    expect(emitted).toEqual([1]); // nothing ahead: emitted synchronously
    queue.push({ n: 2 }, second.promise);
    queue.push({ n: 3 }, third.promise);
    queue.push({ n: 4 }, credit.tryAcquire(1)!);
    third.grant();
    await tick();
    expect(emitted).toEqual([1]);
    second.grant();
    await tick();
    expect(emitted).toEqual([1, 2, 3, 4]);
    expect(drained()).toBe(1);
    expect(queue.size).toBe(0);
  });

  it('releases what it holds on close, and what it is given or granted afterwards', async () => {
    const credit = new Credit(10);
    const { queue, emitted } = recorder();
    const late = deferredLease(credit);
    const waiting = deferredLease(credit);
    queue.push({ n: 1 }, waiting.promise);
    queue.push({ n: 2 }, credit.tryAcquire(1)!);
    queue.push({ n: 3 }, late.promise);
    queue.close();
    expect(credit.used).toBe(0);
    queue.push({ n: 4 }, credit.tryAcquire(1)!);
    queue.push({ n: 5 }, Promise.reject(new Error('aborted after close')));
    waiting.grant();
    late.grant();
    await tick();
    expect(emitted).toEqual([]);
    expect(credit.used).toBe(0);
  });

  it('reports a failed lease request', async () => {
    const { queue, errors } = recorder();
    const request = deferredLease(new Credit(1));
    queue.push({ n: 1 }, request.promise);
    request.fail(new Error('credit wait aborted'));
    await tick();
    expect(errors).toEqual([new Error('credit wait aborted')]);
  });
});
