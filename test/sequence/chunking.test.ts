import { describe, expect, it } from 'vitest';
import { chunkBoundaries } from '../../src/sequence/chunking.js';
import { chunkId, chunkRecordBatch, splitChunkBatch, basesSpan } from '../../src/sequence/chunkBatch.js';
import { describeShared } from '../support/shared.js';
import { randomRecords, recordBatchOf, referenceText } from './helpers.js';
import { naiveChunks } from '../../bench/support/naiveSixFrames.js';

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

describeShared('chunkBoundaries against the original (chunk_boundaries_300_500.tsv)', () => {
  it('reproduces every row at both chunk lengths', () => {
    const [header, ...rows] = referenceText('generated_from_original', 'chunk_boundaries_300_500.tsv').trimEnd().split(/\r?\n/); // csv-module CRLF
    expect(rows).toHaveLength(260);
    expect(header).toBe('chunk_size\tseq_len\tchunk_id\tstart0\tend0_exclusive\tchunk_len');
    const expected = new Map<string, string[]>();
    for (const row of rows) {
      const [size, length, id, start, end, chunkLength] = row.split('\t');
      expect(Number(end) - Number(start)).toBe(Number(chunkLength));
      const key = `${size}\t${length}`;
      expected.set(key, [...(expected.get(key) ?? []), `${id}\t${start}\t${end}`]);
    }
    expect(new Set([...expected.keys()].map((key) => key.split('\t')[0]))).toEqual(new Set(['300', '500']));
    expect(expected.size).toBe(64);
    for (const [key, chunks] of expected) {
      const [size, length] = key.split('\t').map(Number) as [number, number];
      const { starts, ends } = chunkBoundaries(length, size);
      expect(
        [...starts].map((start, k) => `s_chunk_${k + 1}\t${start}\t${ends[k]}`),
        key,
      ).toEqual(chunks);
    }
  });
});

describe('chunkBoundaries', () => {
  it('keeps the quirks of the spec examples', () => {
    expect(chunkBoundaries(1234, 500)).toEqual({ starts: Uint32Array.of(0, 411, 822), ends: Uint32Array.of(500, 911, 1234) });
    expect(chunkBoundaries(501, 500)).toEqual({ starts: Uint32Array.of(0, 250), ends: Uint32Array.of(500, 501) });
    expect(chunkBoundaries(42, 500)).toEqual({ starts: Uint32Array.of(0), ends: Uint32Array.of(42) });
  });

  it('matches the literal step-list algorithm for lengths 1..5000 at 300, 500 and small lengths', () => {
    for (const size of [1, 2, 3, 7, 64, 300, 500]) {
      // Every length up to 4 windows of the large sizes, then a stride that still lands on all residues.
      for (let length = 1; length <= 5000; length += size < 64 ? 37 : length < 2000 ? 1 : 13) {
        const { starts, ends } = chunkBoundaries(length, size);
        const naive = naiveChunks('x'.repeat(length), size);
        expect([...starts], `${length}/${size}`).toEqual(naive.map((chunk) => chunk.start));
        expect([...ends], `${length}/${size}`).toEqual(naive.map((chunk) => chunk.end));
      }
    }
  });

  it('rejects lengths that are not positive integers, naming the argument', () => {
    expect(() => chunkBoundaries(0, 500)).toThrow(/length must be a positive integer/);
    expect(() => chunkBoundaries(10, 0)).toThrow(/chunkLength must be a positive integer/);
    expect(() => chunkBoundaries(10, 2.5)).toThrow(TypeError);
  });
});

describe('chunkRecordBatch', () => {
  it.each([300, 500, 7])('cuts random batches like the original, chunk length %i', (size) => {
    for (let seed = 1; seed <= 6; seed++) {
      const records = randomRecords(seed, 40, 5000);
      const chunks = chunkRecordBatch(recordBatchOf(records), size);
      const expected = records.flatMap((record) =>
        naiveChunks(record.seq, size).map((chunk, k) => ({ id: `${record.id}_chunk_${k + 1}`, text: chunk.text })),
      );
      expect(chunks.count).toBe(expected.length);
      const actual = Array.from({ length: chunks.count }, (_, i) => ({
        id: chunkId(chunks, i),
        text: latin1(chunks.bases.subarray(chunks.starts[i], chunks.ends[i])),
      }));
      expect(actual).toEqual(expected);
      expect(chunks.chunkLength).toBe(size);
    }
  });

  it('gives an empty table for an empty batch', () => {
    const chunks = chunkRecordBatch(recordBatchOf([]), 500);
    expect(chunks.count).toBe(0);
    expect(basesSpan(chunks).length).toBe(0);
  });
});

describe('splitChunkBatch', () => {
  it('cuts a giant record into consecutive views that together are the whole table', () => {
    const records = [
      { id: 'small', seq: 'ACGT'.repeat(100) },
      { id: 'giant', seq: 'GATTACA'.repeat(3000) },
    ];
    const whole = chunkRecordBatch(recordBatchOf(records), 300);
    const parts = splitChunkBatch(whole, 16);
    expect(parts.map((part) => part.count)).toEqual([16, 16, 16, 16, Math.max(0, whole.count - 64)].filter((n) => n > 0));
    const ids = parts.flatMap((part) => Array.from({ length: part.count }, (_, i) => chunkId(part, i)));
    expect(ids).toEqual(Array.from({ length: whole.count }, (_, i) => chunkId(whole, i)));
    for (const part of parts) {
      const span = basesSpan(part);
      for (let i = 0; i < part.count; i++) {
        expect(
          part.starts[i]! >= span.byteOffset - part.bases.byteOffset &&
            part.ends[i]! <= span.byteOffset - part.bases.byteOffset + span.length,
        ).toBe(true);
      }
    }
    expect(splitChunkBatch(whole, whole.count)).toEqual([whole]);
  });
});
