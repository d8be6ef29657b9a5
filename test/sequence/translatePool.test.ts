import { afterAll, describe, expect, it } from 'vitest';
import { VirnucproError } from '../../src/errors.js';
import { chunkRecordBatch, splitChunkBatch } from '../../src/sequence/chunkBatch.js';
import { FRAME_TEXT_FORMATS, formatFrames } from '../../src/sequence/formatFrames.js';
import { translateChunkBatch, type FrameBatch } from '../../src/sequence/frameBatch.js';
import { translateChunks } from '../../src/sequence/sixFrames.js';
import { TranslatePool } from '../../src/sequence/translatePool.js';
import { decodeFrames, decodeTexts, encodeFrames, encodeTexts, packTask, unpackTask } from '../../src/sequence/translateWire.js';
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

/** A chunk batch whose first chunk ends past its bases: the worker must refuse it. */
function corruptBatch() {
  const batch = chunkRecordBatch({ ...recordBatchOf([{ id: 'a', seq: 'ACGTACGT' }]), ownsBases: true }, 500);
  batch.ends[0] = 999;
  return batch;
}

describe('translate wire format', () => {
  it('round-trips chunks (only the covered bases, or the whole buffer moved) and frames', () => {
    const whole = chunkRecordBatch(recordBatchOf(randomRecords(3, 30, 2000)), 300);
    const part = splitChunkBatch(whole, 7)[2]!;
    const copied = unpackTask(packTask(part, [], false));
    expect(copied.chunks.bases.length).toBe(part.ends[part.count - 1]! - part.starts[0]!);
    expect(copied.ids).toBeUndefined();
    const moved = unpackTask(packTask(part, [], true));
    expect(moved.chunks.bases.buffer).toBe(part.bases.buffer); // not sent yet: the same buffer, not a copy
    for (const { chunks } of [copied, moved]) {
      expect(Buffer.from(translateChunks(chunks).proteins).equals(Buffer.from(translateChunks(part).proteins))).toBe(true);
    }
    const table = translateChunks(whole);
    const decoded = decodeFrames(encodeFrames(table));
    expectSameFrames({ ...decoded, chunks: whole }, { ...table, chunks: whole });
  });

  it('carries the chunk names for the text formats, and the texts back, byte for byte', () => {
    const whole = chunkRecordBatch(recordBatchOf(randomRecords(4, 40, 1200)), 300);
    for (const part of splitChunkBatch(whole, 11)) {
      const { chunks, formats, ids } = unpackTask(packTask(part, ['fasta-protein', 'tsv'], false));
      expect(formats).toEqual(['tsv', 'fasta-protein']);
      const { count, text } = decodeTexts(encodeTexts(translateChunks(chunks), ids!, formats), ['tsv', 'fasta-protein']);
      const expected = translateChunkBatch(part);
      expect(count).toBe(expected.count);
      expect(Buffer.from(text.tsv).equals(formatFrames(expected, 'tsv'))).toBe(true);
      expect(Buffer.from(text['fasta-protein']).equals(formatFrames(expected, 'fasta-protein'))).toBe(true);
    }
  });

  it('refuses corrupt buffers with an INTERNAL error', () => {
    expect(() => unpackTask(packTask(corruptBatch(), [], false))).toThrow(/chunk 0 spans \[0, 999\) outside 8 bases/);
    const named = packTask(chunkRecordBatch(recordBatchOf([{ id: 'a', seq: 'ACGTACGT' }]), 500), ['tsv'], false);
    new Uint32Array(named.tables, 0, 7 + 2 + 1)[7 + 2] = 5; // after the header, starts and ends: chunk 0 now names record 5 of 1
    expect(() => unpackTask(named)).toThrow(/chunk 0 names record 5 of 1/);
    expect(() => unpackTask({ tables: new ArrayBuffer(3), bases: new ArrayBuffer(0) })).toThrow(VirnucproError);
    expect(() => decodeFrames(new ArrayBuffer(3))).toThrow(VirnucproError);
    expect(() => decodeTexts(new ArrayBuffer(3), ['tsv'])).toThrow(VirnucproError);
  });
});

describe('TranslatePool with 2 threads', () => {
  const pool = new TranslatePool({ threads: 2 });
  afterAll(() => pool.destroy());
  const batches = Array.from({ length: 12 }, (_, seed) =>
    chunkRecordBatch(recordBatchOf(randomRecords(seed + 100, 40, 3000)), seed % 2 ? 300 : 500),
  );

  it('gives the same frames as the calling thread, for many batches in flight at once', async () => {
    const results = await Promise.all(batches.map((batch) => pool.translate(batch)));
    results.forEach((frames, i) => expectSameFrames(frames, translateChunkBatch(batches[i]!)));
    expect(results.reduce((sum, frames) => sum + frames.count, 0)).toBeGreaterThan(100);
  });

  it('writes the same text as the calling thread in every format, for many batches in flight at once', async () => {
    const results = await Promise.all(batches.map((batch) => pool.translateText(batch, FRAME_TEXT_FORMATS)));
    results.forEach(({ count, text, chunks }, i) => {
      const expected = translateChunkBatch(batches[i]!);
      expect(count).toBe(expected.count);
      expect(chunks).toEqual(expected.chunks);
      for (const format of FRAME_TEXT_FORMATS) expect(Buffer.from(text[format]).equals(formatFrames(expected, format)), format).toBe(true);
    });
  });

  it("moves a batch's own buffer to the worker only when told to, and copies its bases otherwise", async () => {
    const records = () => ({ ...recordBatchOf(randomRecords(7, 20, 1000)), ownsBases: true });
    const expected = translateChunkBatch(chunkRecordBatch(records(), 500));
    const kept = records();
    expectSameFrames(await pool.translate(chunkRecordBatch(kept, 500)), expected);
    expect(kept.bases.buffer.byteLength).toBeGreaterThan(0);
    const given = records();
    const text = await pool.translateText(chunkRecordBatch(given, 500), ['tsv'], undefined, { transferBases: true });
    // Had the buffer been structured-cloned, the sender would still hold its bytes.
    expect(given.bases.buffer.byteLength).toBe(0);
    expect(Buffer.from(text.text.tsv).equals(formatFrames(expected, 'tsv'))).toBe(true);
    // A batch that does not own its buffer (a part of a split batch, or built by hand) is copied even so.
    const shared = recordBatchOf(randomRecords(7, 20, 1000));
    expectSameFrames(await pool.translate(chunkRecordBatch(shared, 500), undefined, { transferBases: true }), expected);
    expect(shared.bases.buffer.byteLength).toBeGreaterThan(0);
  });

  it('rebuilds a worker error as the same VirnucproError on this thread', async () => {
    for (const transferBases of [false, true]) {
      const error = await pool.translate(corruptBatch(), undefined, { transferBases }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(VirnucproError);
      expect(error).toMatchObject({
        code: 'INTERNAL',
        message: expect.stringMatching(/^translate worker: chunk batch is corrupt \(chunk 0 spans/),
      });
      expect((error as VirnucproError).hint).toMatch(/rebuild/);
    }
    // The pool is still usable afterwards.
    expect((await pool.translate(chunkRecordBatch(recordBatchOf([{ id: 'g', seq: 'GCGGCGGCG' }]), 500))).count).toBe(6);
  });

  it('answers an empty batch without a worker, and refuses an empty format list', async () => {
    const empty = chunkRecordBatch(recordBatchOf([]), 500);
    expect(await pool.translateText(empty, ['tsv', 'fasta-nucleotide'])).toMatchObject({ count: 0, text: { tsv: new Uint8Array(0) } });
    await expect(pool.translateText(empty, [])).rejects.toThrow(/formats must name at least one/);
  });

  it('rejects with the signal reason when aborted', async () => {
    const stop = new AbortController();
    stop.abort(new Error('stop now'));
    const batch = chunkRecordBatch(recordBatchOf(randomRecords(1, 5, 100)), 500);
    await expect(pool.translate(batch, stop.signal)).rejects.toThrow('stop now');
    await expect(pool.translateText(batch, ['tsv'], stop.signal)).rejects.toThrow('stop now');
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
