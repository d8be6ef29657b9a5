import { afterAll, describe, expect, it } from 'vitest';
import { VirnucproError } from '../../src/errors.js';
import { chunkRecordBatch, splitChunkBatch } from '../../src/sequence/chunkBatch.js';
import { translateChunkBatch, type FrameBatch } from '../../src/sequence/frameBatch.js';
import { translateChunks } from '../../src/sequence/sixFrames.js';
import { TranslatePool } from '../../src/sequence/translatePool.js';
import { decodeFrames, encodeFrames, packChunks, unpackChunks } from '../../src/sequence/translateWire.js';
import { eventually, osThreads, randomRecords, recordBatchOf } from './helpers.js';

/** Every column of two frame tables, byte for byte. */
function expectSameFrames(actual: FrameBatch, expected: FrameBatch): void {
  expect(actual.count).toBe(expected.count);
  for (const column of ['chunk', 'frame', 'nucleotides', 'nucleotideStarts', 'proteins', 'proteinStarts'] as const) {
    const bytes = (table: FrameBatch): Buffer => Buffer.from(table[column].buffer, table[column].byteOffset, table[column].byteLength);
    expect(bytes(actual).equals(bytes(expected)), column).toBe(true);
  }
  expect(actual.chunks).toEqual(expected.chunks);
}

describe('translate wire format', () => {
  it('round-trips chunks (only the covered bases) and frames', () => {
    const whole = chunkRecordBatch(recordBatchOf(randomRecords(3, 30, 2000)), 300);
    const part = splitChunkBatch(whole, 7)[2]!;
    const packed = unpackChunks(packChunks(part));
    expect(packed.bases.length).toBe(part.ends[part.count - 1]! - part.starts[0]!);
    expect(Buffer.from(translateChunks(packed).proteins).equals(Buffer.from(translateChunks(part).proteins))).toBe(true);
    const table = translateChunks(whole);
    const decoded = decodeFrames(encodeFrames(table));
    expectSameFrames({ ...decoded, chunks: whole }, { ...table, chunks: whole });
  });

  it('refuses corrupt buffers with an INTERNAL error', () => {
    const packed = packChunks(chunkRecordBatch(recordBatchOf([{ id: 'a', seq: 'ACGTACGT' }]), 500));
    new Uint32Array(packed)[4] = 999; // chunk 0 now ends past the 8 bases
    expect(() => unpackChunks(packed)).toThrow(/chunk 0 spans \[0, 999\) outside 8 bases/);
    expect(() => decodeFrames(new ArrayBuffer(3))).toThrow(VirnucproError);
  });
});

describe('TranslatePool with 2 threads', () => {
  const pool = new TranslatePool({ threads: 2 });
  afterAll(() => pool.destroy());

  it('gives the same frames as the calling thread, for many batches in flight at once', async () => {
    const batches = Array.from({ length: 12 }, (_, seed) => chunkRecordBatch(recordBatchOf(randomRecords(seed + 100, 40, 3000)), seed % 2 ? 300 : 500));
    const results = await Promise.all(batches.map((batch) => pool.translate(batch)));
    results.forEach((frames, i) => expectSameFrames(frames, translateChunkBatch(batches[i]!)));
    expect(results.reduce((sum, frames) => sum + frames.count, 0)).toBeGreaterThan(100);
  });

  it('moves the packed batch to the worker instead of copying it', async () => {
    const packed = packChunks(chunkRecordBatch(recordBatchOf(randomRecords(7, 20, 1000)), 500));
    expect(packed.byteLength).toBeGreaterThan(0);
    const frames = await pool.translatePacked(packed);
    // Had the buffer been structured-cloned, the sender would still hold its bytes.
    expect(packed.byteLength).toBe(0);
    expect(frames.nucleotides.buffer.byteLength).toBeGreaterThan(0);
  });

  it('rebuilds a worker error as the same VirnucproError on this thread', async () => {
    const packed = packChunks(chunkRecordBatch(recordBatchOf([{ id: 'a', seq: 'ACGTACGT' }]), 500));
    new Uint32Array(packed)[4] = 999;
    const error = await pool.translatePacked(packed).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VirnucproError);
    expect(error).toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/^translate worker: chunk batch is corrupt \(chunk 0 spans/) });
    expect((error as VirnucproError).hint).toMatch(/rebuild/);
    // The pool is still usable afterwards.
    expect((await pool.translate(chunkRecordBatch(recordBatchOf([{ id: 'g', seq: 'GCGGCGGCG' }]), 500))).count).toBe(6);
  });

  it('rejects with the signal reason when aborted', async () => {
    const stop = new AbortController();
    stop.abort(new Error('stop now'));
    const batch = chunkRecordBatch(recordBatchOf(randomRecords(1, 5, 100)), 500);
    await expect(pool.translate(batch, stop.signal)).rejects.toThrow('stop now');
  });
});

describe('TranslatePool lifecycle', () => {
  it('rejects translations after destroy()', async () => {
    const pool = new TranslatePool({ threads: 1 });
    await pool.destroy();
    await expect(pool.translate(chunkRecordBatch(recordBatchOf([{ id: 'a', seq: 'ACGT' }]), 500))).rejects.toThrow(/after destroy/);
  });

  (osThreads() === undefined ? it.skip : it)('leaves no thread behind when destroyed right after aborting tasks in flight', async () => {
    // With piscina's own abort, the aborted threads were replaced after destroy() and leaked, two per run.
    const batch = chunkRecordBatch(recordBatchOf(randomRecords(1, 400, 3000)), 500);
    const before = osThreads()!;
    for (let round = 0; round < 3; round++) {
      const pool = new TranslatePool({ threads: 2 });
      const stop = new AbortController();
      const tasks = Array.from({ length: 6 }, () => pool.translate(batch, stop.signal).catch((error: unknown) => error));
      await new Promise((resolve) => setTimeout(resolve, 20));
      stop.abort(new Error('stop'));
      const destroyed = pool.destroy();
      expect(await Promise.all(tasks)).toContainEqual(new Error('stop'));
      await destroyed;
    }
    await eventually(() => osThreads()! <= before, 2000);
  });

  it('validates options.threads', () => {
    expect(() => new TranslatePool({ threads: 0 })).toThrow(/options\.threads must be an integer >= 1/);
    expect(() => new TranslatePool({ threads: 1.5 })).toThrow(TypeError);
  });
});
