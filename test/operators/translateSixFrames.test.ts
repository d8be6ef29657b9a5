import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { Observable, concat, take, throwError, type OperatorFunction } from 'rxjs';
import { chunkReads } from '../../operators/chunkReads.js';
import { readFasta } from '../../operators/readFasta.js';
import { translateSixFrames } from '../../operators/translateSixFrames.js';
import { Credit, type Leased } from '../../src/flow/credit.js';
import { consumeBatches } from '../../src/flow/sink.js';
import { chunkRecordBatch, type ChunkBatch } from '../../src/sequence/chunkBatch.js';
import { frameId, type FrameBatch } from '../../src/sequence/frameBatch.js';
import { formatFramesFasta, formatFramesTsv } from '../../src/sequence/formatFrames.js';
import { TranslatePool } from '../../src/sequence/translatePool.js';
import { describeShared, sharedPath } from '../support/shared.js';
import { creditedRecordSource, eventually, osThreads, randomRecords, recordBatchOf, referenceText } from '../sequence/helpers.js';
import { naiveIdentify } from '../../bench/support/naiveSixFrames.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const itLinux = osThreads() === undefined ? it.skip : it;

function recordBatches(count: number) {
  return Array.from({ length: count }, (_, i) => randomRecords(500 + i, 30, 1500));
}

describe('translateSixFrames', () => {
  // libuv starts its thread pool (4 OS threads) on first use: start it now, so that it cannot be
  // mistaken for the operator's threads in the thread counts below.
  beforeAll(() => readFile(fileURLToPath(import.meta.url)));

  itLinux('reads nothing and starts no thread before subscribe', async () => {
    const before = osThreads()!;
    const credit = new Credit(1 << 20);
    const { source, opened } = creditedRecordSource(
      recordBatches(2).map((records) => recordBatchOf(records)),
      credit,
    );
    const frames = source.pipe(chunkReads(), translateSixFrames({ threads: 2 }));
    await delay(20);
    expect(opened()).toBe(0);
    expect(osThreads()).toBe(before);
    let batches = 0;
    await consumeBatches(frames, () => void (batches += 1));
    expect(batches).toBe(2);
  });

  it('keeps the original frames, in order, within the credit behind a slow consumer', async () => {
    const capacity = 40_000;
    const credit = new Credit(capacity);
    const inputs = recordBatches(16);
    const { source } = creditedRecordSource(
      inputs.map((records) => recordBatchOf(records)),
      credit,
    );
    let tsv = '';
    await consumeBatches(
      source.pipe(chunkReads({ chunkLength: 300, maxBatchChunks: 20 }), translateSixFrames({ threads: 2 })),
      async (batch) => {
        expect(credit.used).toBeLessThanOrEqual(capacity);
        tsv += formatFramesTsv(batch).toString('latin1');
        await delay(2);
      },
    );
    const expected = naiveIdentify(inputs.flat(), 300);
    expect(expected.length).toBeGreaterThan(50);
    expect(tsv).toBe(expected.map((frame) => `${frame.id}\t${frame.nucleotide}\t${frame.protein}\n`).join(''));
    expect(credit.peak).toBeLessThanOrEqual(capacity);
    expect(credit.peak).toBeGreaterThan(capacity / 2); // the input (~350 000 units) really was held back
    expect(credit.used).toBe(0);
  });

  describe('its own pool', () => {
    const chunkedSource = (credit: Credit) =>
      creditedRecordSource(
        recordBatches(6).map((records) => recordBatchOf(records)),
        credit,
      ).source.pipe(chunkReads());

    itLinux.each([
      ['complete', (frames: Observable<FrameBatch & Leased>) => frames],
      ['unsubscribe', (frames: Observable<FrameBatch & Leased>) => frames.pipe(take(1))],
    ])('is destroyed on %s', async (_, shape) => {
      const before = osThreads()!;
      let during = 0;
      await consumeBatches(shape(chunkedSource(new Credit(1 << 20)).pipe(translateSixFrames({ threads: 2 }))), () => {
        during = Math.max(during, osThreads()!);
      });
      expect(during).toBeGreaterThanOrEqual(before + 2);
      await eventually(() => osThreads()! <= before);
    });

    itLinux('is destroyed on error', async () => {
      const before = osThreads()!;
      const failing = concat(
        chunkedSource(new Credit(1 << 20)).pipe(take(2)),
        throwError(() => new Error('reader broke')),
      );
      await expect(consumeBatches(failing.pipe(translateSixFrames({ threads: 2 })), () => undefined)).rejects.toThrow('reader broke');
      await eventually(() => osThreads()! <= before);
    });
  });

  describe('a shared pool', () => {
    const pool = new TranslatePool({ threads: 2 });
    afterAll(() => pool.destroy());

    it('is used and left running', async () => {
      const credit = new Credit(1 << 20);
      const inputs = recordBatches(3);
      const { source } = creditedRecordSource(
        inputs.map((records) => recordBatchOf(records)),
        credit,
      );
      const ids: string[] = [];
      await consumeBatches(source.pipe(chunkReads(), translateSixFrames({ pool })), (batch) => {
        for (let i = 0; i < batch.count; i++) ids.push(frameId(batch, i));
      });
      expect(ids).toEqual(naiveIdentify(inputs.flat(), 500).map((frame) => frame.id));
      const again = await pool.translate(chunkRecordBatch(recordBatchOf([{ id: 'g', seq: 'GCGGCGGCG' }]), 500));
      expect(again.count).toBe(6);
    });
  });

  it('errors with the signal reason when aborted', async () => {
    const stop = new AbortController();
    const credit = new Credit(1 << 20);
    const { source } = creditedRecordSource(
      recordBatches(4).map((records) => recordBatchOf(records)),
      credit,
    );
    const run = consumeBatches(source.pipe(chunkReads(), translateSixFrames({ threads: 1, signal: stop.signal })), () => {
      stop.abort(new Error('user stop'));
    });
    await expect(run).rejects.toThrow('user stop');
  });

  it('validates its options at once, naming them', () => {
    const pool = {} as TranslatePool;
    expect(() => translateSixFrames({ pool, threads: 2 })).toThrow(/options\.threads cannot be combined with options\.pool/);
    expect(() => translateSixFrames({ threads: 0 })).toThrow(/options\.threads must be an integer >= 1/);
    expectTypeOf(translateSixFrames()).toEqualTypeOf<OperatorFunction<ChunkBatch & Leased, FrameBatch & Leased>>();
  });
});

describeShared('readFasta → chunkReads → translateSixFrames against the original files', () => {
  it.each([
    ['generated_from_original', 'edge_cases'],
    ['broad_tests_data', 'test_with_orfs'],
    ['broad_tests_data', 'test_fixed_500bp'],
  ])('%s/%s: identified nucleotide and protein FASTA, byte for byte', async (folder, stem) => {
    // Tiny batches and parts, so that the files cross many batches and worker tasks.
    const frames = readFasta(sharedPath('reference', folder, `${stem}.fa`), { batchRecords: 2 }).pipe(
      chunkReads({ maxBatchChunks: 1 }),
      translateSixFrames({ threads: 2 }),
    );
    let nucleotide = '';
    let protein = '';
    await consumeBatches(frames, (batch) => {
      nucleotide += formatFramesFasta(batch, 'nucleotide').toString('latin1');
      protein += formatFramesFasta(batch, 'protein').toString('latin1');
    });
    expect(nucleotide).toBe(referenceText(folder, `${stem}_identified_nucleotide.fa`));
    expect(protein).toBe(referenceText(folder, `${stem}_identified_protein.faa`));
  });
});
