import { describe, expect, it } from 'vitest';
import { Credit } from '../../src/flow/credit.js';

describe('Credit', () => {
  it('grants while units fit and queues FIFO once full', async () => {
    const credit = new Credit(10);
    const a = credit.tryAcquire(6)!;
    expect(a.units).toBe(6);
    expect(credit.tryAcquire(5)).toBeUndefined();
    const order: string[] = [];
    const b = credit.acquire(5).then((lease) => (order.push('b'), lease));
    const c = credit.acquire(1).then((lease) => (order.push('c'), lease));
    // c would fit now, but it queued behind b: FIFO keeps a large request from starving.
    expect(credit.waiting).toBe(2);
    await Promise.resolve();
    expect(order).toEqual([]);
    a.release();
    const [lb, lc] = await Promise.all([b, c]);
    expect(order).toEqual(['b', 'c']);
    expect(credit.used).toBe(6);
    lb.release();
    lc.release();
    expect(credit.used).toBe(0);
    expect(credit.peak).toBe(6);
  });

  it('clamps a request larger than the window so it runs alone', async () => {
    const credit = new Credit(4);
    const small = credit.tryAcquire(1)!;
    const big = credit.acquire(100);
    expect(credit.waiting).toBe(1);
    small.release();
    const lease = await big;
    expect(lease.units).toBe(4);
    expect(credit.used).toBe(4);
  });

  it('ignores a second release of the same lease', () => {
    const credit = new Credit(3);
    const lease = credit.tryAcquire(2)!;
    lease.release();
    lease.release();
    expect(credit.used).toBe(0);
  });

  it('tells listeners when an acquirer starts waiting, and aborts waiters', async () => {
    const credit = new Credit(1);
    let stalls = 0;
    const off = credit.onWait(() => (stalls += 1));
    const held = credit.tryAcquire(1)!;
    const abort = new AbortController();
    const pending = credit.acquire(1, abort.signal);
    expect(stalls).toBe(1);
    abort.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(credit.waiting).toBe(0);
    off();
    held.release();
    expect(credit.used).toBe(0);
  });

  it('rejects a nonsensical capacity naming it', () => {
    expect(() => new Credit(0, 'window')).toThrow(/window: capacity/);
  });
});
