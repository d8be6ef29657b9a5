import { describe, expect, expectTypeOf, it } from 'vitest';
import { take, type OperatorFunction } from 'rxjs';
import { chunkReads } from '../../operators/chunkReads.js';
import type { FastaBatch } from '../../operators/readFasta.js';
import type { RecordBatch } from '../../src/fasta/recordBatch.js';
import { Credit, type Leased } from '../../src/flow/credit.js';
import { consumeBatches } from '../../src/flow/sink.js';
import { chunkId, chunkRecordBatch, type ChunkBatch } from '../../src/sequence/chunkBatch.js';
import { creditedRecordSource, randomRecords, recordBatchOf } from '../sequence/helpers.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ids = (batch: ChunkBatch): string[] => Array.from({ length: batch.count }, (_, i) => chunkId(batch, i));

/** Small batches around one giant record (61 200 bp → 204 chunks at 300). */
function batchesWithGiant(): RecordBatch[] {
  return [
    recordBatchOf(randomRecords(1, 10, 900), 'a.fa'),
    recordBatchOf([{ id: 'giant', seq: 'GATTACAGCT'.repeat(6120) }], 'a.fa'),
    recordBatchOf(randomRecords(2, 10, 900), 'a.fa'),
  ];
}

describe('chunkReads', () => {
  it('reads nothing before subscribe', async () => {
    const credit = new Credit(1 << 20);
    const { source, opened } = creditedRecordSource(batchesWithGiant(), credit);
    const chunked = source.pipe(chunkReads({ chunkLength: 300 }));
    await delay(5);
    expect(opened()).toBe(0);
    let chunks = 0;
    await consumeBatches(chunked, (batch) => void (chunks += batch.count));
    expect(opened()).toBe(1);
    expect(chunks).toBe(batchesWithGiant().reduce((sum, batch) => sum + chunkRecordBatch(batch, 300).count, 0));
  });

  it('splits a giant record into credited parts behind a slow consumer, in order, within the credit', async () => {
    const capacity = 20_000;
    const credit = new Credit(capacity);
    const batches = batchesWithGiant();
    const { source } = creditedRecordSource(batches, credit);
    const seen: string[] = [];
    const partSizes: number[] = [];
    await consumeBatches(source.pipe(chunkReads({ chunkLength: 300, maxBatchChunks: 16 })), async (batch) => {
      expect(credit.used).toBeLessThanOrEqual(capacity);
      partSizes.push(batch.count);
      seen.push(...ids(batch));
      await delay(1);
    });
    expect(seen).toEqual(batches.flatMap((batch) => ids(chunkRecordBatch(batch, 300))));
    expect(partSizes.filter((n) => n === 16).length).toBeGreaterThanOrEqual(12); // the giant record went in parts
    expect(credit.peak).toBeLessThanOrEqual(capacity);
    expect(credit.used).toBe(0);
  });

  it('releases the credit of parts it will never emit when unsubscribed', async () => {
    const credit = new Credit(20_000);
    const { source } = creditedRecordSource(batchesWithGiant(), credit);
    let emitted = 0;
    await consumeBatches(source.pipe(chunkReads({ chunkLength: 300, maxBatchChunks: 16 }), take(3)), () => void (emitted += 1));
    expect(emitted).toBe(3);
    await delay(5);
    expect(credit.used).toBe(0);
  });

  it('errors with the signal reason when aborted while a part waits for credit', async () => {
    const credit = new Credit(20_000);
    const stop = new AbortController();
    const { source } = creditedRecordSource(batchesWithGiant(), credit);
    const run = consumeBatches(source.pipe(chunkReads({ chunkLength: 300, maxBatchChunks: 16, signal: stop.signal })), async (batch) => {
      if (batch.ids.includes('giant')) {
        stop.abort(new Error('user stop'));
        await delay(5);
      }
    });
    await expect(run).rejects.toThrow('user stop');
  });

  it('validates its options at once, naming them', () => {
    // @ts-expect-error 400 is not a model's chunk length
    expect(() => chunkReads({ chunkLength: 400 })).toThrow(/options\.chunkLength must be 300 or 500/);
    expect(() => chunkReads({ maxBatchChunks: 0 })).toThrow(/options\.maxBatchChunks must be an integer >= 1/);
    expectTypeOf(chunkReads()).toEqualTypeOf<OperatorFunction<FastaBatch, ChunkBatch & Leased>>();
  });
});
