import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { Credit, type Lease } from '../../src/flow/credit.js';
import { creditedSource } from '../../src/flow/creditedSource.js';
import { mapInOrder } from '../../src/flow/mapInOrder.js';
import { consumeBatches } from '../../src/flow/sink.js';

interface Item {
  readonly n: number;
  readonly lease: Lease;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function* numbers(count: number, pulled: number[]): AsyncGenerator<number> {
  for (let n = 0; n < count; n++) {
    pulled.push(n);
    yield n;
  }
}

describe('credited pipeline', () => {
  it('reads nothing before subscribe', async () => {
    const pulled: number[] = [];
    const credit = new Credit(4);
    const source = creditedSource(() => numbers(10, pulled), {
      credit,
      weight: () => 1,
      attach: (n, lease): Item => ({ n, lease }),
    });
    await delay(5);
    expect(pulled).toEqual([]);
    const seen: number[] = [];
    await consumeBatches(source, (item) => void seen.push(item.n));
    expect(seen).toEqual([...Array(10).keys()]);
  });

  it('keeps items in flight within the credit behind a slow consumer, in order, through async work', async () => {
    const credit = new Credit(5);
    const pulled: number[] = [];
    let maxAhead = 0;
    const seen: number[] = [];
    const source = creditedSource(() => numbers(60, pulled), {
      credit,
      weight: () => 1,
      attach: (n, lease): Item => ({ n, lease }),
    });
    const work = mapInOrder(async (item: Item) => {
      await delay((item.n * 7) % 5); // completes out of order
      return { n: item.n * 2, lease: item.lease };
    });
    await consumeBatches(
      source.pipe(
        work,
        map((x) => x),
      ),
      async (item) => {
        maxAhead = Math.max(maxAhead, pulled.length - seen.length);
        await delay(2);
        seen.push(item.n);
      },
    );
    expect(seen).toEqual([...Array(60).keys()].map((n) => n * 2));
    expect(credit.peak).toBeLessThanOrEqual(5);
    // At most capacity items hold credit, plus the one item read ahead of its credit.
    expect(maxAhead).toBeLessThanOrEqual(6);
    expect(credit.used).toBe(0);
  });

  it('stops pulling and closes the iterator when the consumer fails', async () => {
    const credit = new Credit(3);
    let closed = false;
    async function* endless(): AsyncGenerator<number> {
      try {
        for (let n = 0; ; n++) yield n;
      } finally {
        closed = true;
      }
    }
    const source = creditedSource(endless, { credit, weight: () => 1, attach: (n, lease): Item => ({ n, lease }) });
    await expect(
      consumeBatches(source, (item) => {
        if (item.n === 4) throw new Error('sink broke');
      }),
    ).rejects.toThrow('sink broke');
    await delay(5);
    expect(closed).toBe(true);
  });

  it('propagates an error from async work and aborts the rest', async () => {
    const credit = new Credit(8);
    const aborted: number[] = [];
    const source = creditedSource(() => numbers(8, []), { credit, weight: () => 1, attach: (n, lease): Item => ({ n, lease }) });
    const work = mapInOrder(async (item: Item, signal: AbortSignal) => {
      if (item.n === 2) throw new Error('batch 2 failed');
      await delay(20);
      if (signal.aborted) aborted.push(item.n);
      return item;
    });
    await expect(consumeBatches(source.pipe(work), () => undefined)).rejects.toThrow('batch 2 failed');
    await delay(30);
    expect(aborted.length).toBeGreaterThan(0);
  });
});
