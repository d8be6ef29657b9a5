import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EMPTY_FINGERPRINT } from '../../src/fasta/inputCheckpoint.js';
import { InputLedger, sliceRecords } from '../../src/pipeline/inputLedger.js';
import { chunkNames, chunkRecordBatch, splitChunkBatch } from '../../src/sequence/chunkBatch.js';
import { recordBatchOf } from '../sequence/helpers.js';

/** The fingerprint defined independently: sha256 of `id\nsequence\n` per record. */
function fingerprint(records: readonly { id: string; seq: string }[]): string {
  return createHash('sha256')
    .update(records.map((r) => `${r.id}\n${r.seq}\n`).join(''))
    .digest('hex');
}

const RECORDS = [
  { id: 'a', seq: 'ACGT'.repeat(200) }, // 800 bp: 2 chunks at 500
  { id: 'b', seq: 'GGC' },
  { id: 'c', seq: 'T'.repeat(1234) }, // 3 chunks
  { id: 'd', seq: 'ACG'.repeat(100) },
];

describe('InputLedger', () => {
  it('settles a record batch once all its chunks have reached the output, over several parts', () => {
    const ledger = new InputLedger({ chunkLength: 500, source: 't.fa' });
    const first = recordBatchOf(RECORDS.slice(0, 3));
    const second = recordBatchOf(RECORDS.slice(3));
    ledger.admit(first);
    ledger.admit(second);
    const parts = splitChunkBatch(chunkRecordBatch(first, 500), 2).map(chunkNames);
    expect(parts.map((p) => p.recordIndex.length)).toEqual([2, 2, 2]);
    expect(ledger.settle(parts[0]!)).toBeUndefined();
    expect(ledger.settle(parts[1]!)).toBeUndefined();
    expect(ledger.settle(parts[2]!)).toEqual({ records: 3, fingerprint: fingerprint(RECORDS.slice(0, 3)) });
    expect(ledger.pending).toBe(1);
    expect(ledger.settle(chunkNames(chunkRecordBatch(second, 500)))).toEqual({ records: 4, fingerprint: fingerprint(RECORDS) });
    expect(() => ledger.finish()).not.toThrow();
  });

  it('counts the bases finished: whole record batches, and the head batch by its share of chunks settled', () => {
    const ledger = new InputLedger({ chunkLength: 500, source: 't.fa' });
    const first = recordBatchOf(RECORDS.slice(0, 3)); // 800 + 3 + 1234 = 2037 bp in 6 chunks
    ledger.admit(first);
    ledger.admit(recordBatchOf(RECORDS.slice(3)));
    expect(ledger.settledBases).toBe(0);
    const parts = splitChunkBatch(chunkRecordBatch(first, 500), 2).map(chunkNames);
    ledger.settle(parts[0]!);
    expect(ledger.settledBases).toBe(Math.floor((2037 * 2) / 6));
    ledger.settle(parts[1]!);
    ledger.settle(parts[2]!);
    expect(ledger.settledBases).toBe(2037);

    const resumed = new InputLedger({
      chunkLength: 500,
      source: 't.fa',
      resumeFrom: { records: 2, fingerprint: fingerprint(RECORDS.slice(0, 2)) },
    });
    const rest = resumed.skipCommitted(recordBatchOf(RECORDS.slice(0, 3)))!;
    expect(resumed.settledBases, 'skipped records are finished work').toBe(803);
    resumed.admit(rest);
    resumed.settle(chunkNames(chunkRecordBatch(rest, 500)));
    expect(resumed.settledBases).toBe(2037);
  });

  it('catches batches that go missing, come twice or out of order (INTERNAL)', () => {
    const ledger = new InputLedger({ chunkLength: 500, source: 't.fa' });
    const first = recordBatchOf(RECORDS.slice(0, 2));
    const second = recordBatchOf(RECORDS.slice(2));
    ledger.admit(first);
    ledger.admit(second);
    expect(() => ledger.settle(chunkNames(chunkRecordBatch(second, 500)))).toThrow(/out of order/);
    const whole = chunkNames(chunkRecordBatch(first, 500));
    ledger.settle(whole);
    expect(() => ledger.finish()).toThrow(/1 input batch\(es\) of t\.fa never fully reached the output/);
    expect(() => ledger.settle(whole)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });

  it('skips the committed records of a resumed run, checking their fingerprint where the prefix ends', () => {
    const resumeFrom = { records: 2, fingerprint: fingerprint(RECORDS.slice(0, 2)) };
    const ledger = new InputLedger({ chunkLength: 500, source: 't.fa', resumeFrom });
    const rest = ledger.skipCommitted(recordBatchOf(RECORDS.slice(0, 3)))!;
    expect(rest.ids).toEqual(['c']);
    expect(Buffer.from(rest.bases.subarray(rest.starts[0]!, rest.starts[1]!)).toString()).toBe(RECORDS[2]!.seq);
    expect(ledger.settled).toEqual(resumeFrom);
    ledger.admit(rest);
    expect(ledger.settle(chunkNames(chunkRecordBatch(rest, 500)))).toEqual({ records: 3, fingerprint: fingerprint(RECORDS.slice(0, 3)) });

    const changed = new InputLedger({ chunkLength: 500, source: 't.fa', resumeFrom });
    expect(changed.skipCommitted(recordBatchOf(RECORDS.slice(0, 1)))).toBeUndefined();
    expect(() => changed.skipCommitted(recordBatchOf([{ id: 'b', seq: 'GGG' }]))).toThrow(
      expect.objectContaining({ code: 'RESUME_MISMATCH' }),
    );

    const shorter = new InputLedger({ chunkLength: 500, source: 't.fa', resumeFrom: { records: 9, fingerprint: 'x' } });
    shorter.skipCommitted(recordBatchOf(RECORDS));
    expect(() => shorter.endOfInput()).toThrow(/has 4 records, but the interrupted run had already processed 9/);
    expect(() => new InputLedger({ chunkLength: 500, source: 't.fa', resumeFrom: { records: 0, fingerprint: 'x' } })).toThrow(
      /RESUME|empty prefix/,
    );
    expect(new InputLedger({ chunkLength: 500, source: 't.fa' }).settled).toEqual({ records: 0, fingerprint: EMPTY_FINGERPRINT });
  });

  it('slices records as views with rebased offsets', () => {
    const batch = recordBatchOf(RECORDS);
    const tail = sliceRecords(batch, 2);
    expect(tail.count).toBe(2);
    expect(Array.from(tail.starts)).toEqual([0, 1234, 1534]);
    expect(tail.bases.buffer).toBe(batch.bases.buffer);
    expect(Array.from(tail.headerLines)).toEqual([5, 7]);
  });
});
