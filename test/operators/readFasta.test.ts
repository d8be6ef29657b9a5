import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { take, type Observable } from 'rxjs';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { readFasta, type FastaBatch } from '../../operators/readFasta.js';
import { FastaStats, type FastaWarning } from '../../src/fasta/fastaStats.js';
import { Credit } from '../../src/flow/credit.js';
import { consumeBatches } from '../../src/flow/sink.js';
import { batchUnits } from '../../src/flow/units.js';
import { fixture, plainRecords, referenceParse } from '../fasta/fastaTestKit.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'virnucpro-readfasta-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hasProc = existsSync('/proc/self/fd');
const openFds = (): number => readdirSync('/proc/self/fd').length;

/** Collects every batch (releasing each lease as a sink would). */
async function readAll(source: Observable<FastaBatch>): Promise<FastaBatch[]> {
  const batches: FastaBatch[] = [];
  await consumeBatches(source, (batch) => void batches.push(batch));
  return batches;
}

/** `count` reads of `length` bases, 60-column lines, as one string. */
function readsText(count: number, length: number): string {
  const line = 'ACGTTGCAAC'.repeat(6);
  const seq = line.repeat(Math.ceil(length / 60)).slice(0, length);
  const wrapped = seq.replace(/(.{60})/g, '$1\n').replace(/\n$/, '');
  let text = '';
  for (let i = 0; i < count; i++) text += `>read${i}\n${wrapped}\n`;
  return text;
}

describe('readFasta', () => {
  it('reads a path into leased batches whose weight is batchUnits, and gives all credit back', async () => {
    const credit = new Credit(1 << 20);
    const weights: number[] = [];
    const batches: FastaBatch[] = [];
    await consumeBatches(readFasta(fixture('crlf.fa'), { credit }), (batch) => {
      weights.push(batch.lease.units);
      batches.push(batch);
    });
    expect(plainRecords(batches).map((r) => [r.id, r.seq])).toEqual([
      ['r1', 'ACGTGG'],
      ['r2', 'TTAA'],
    ]);
    expect(weights).toEqual([batchUnits(10, 2)]);
    expect(batches[0]!.source).toBe(fixture('crlf.fa'));
    expect(credit.used).toBe(0);
  });

  it('reads gzip from a path and from a stream given by user code (one code path)', async () => {
    const expected = [
      ['m1', 'ACGT'],
      ['m2', 'GGCCTT'],
    ];
    const fromPath = await readAll(readFasta(fixture('multi-member.fa.gz')));
    expect(plainRecords(fromPath).map((r) => [r.id, r.seq])).toEqual(expected);
    const fromStream = await readAll(readFasta(createReadStream(fixture('multi-member.fa.gz')), { name: 'upload.gz' }));
    expect(plainRecords(fromStream).map((r) => [r.id, r.seq])).toEqual(expected);
    expect(fromStream[0]!.source).toBe('upload.gz');
  });

  it('fails with the positioned error of the input, naming the path or the stream', async () => {
    await expect(readAll(readFasta(fixture('no-header.fa')))).rejects.toMatchObject({
      code: 'FASTA_NO_HEADER',
      position: { file: fixture('no-header.fa'), line: 1 },
    });
    await expect(readAll(readFasta(createReadStream(fixture('truncated.fa.gz')), { name: 'up.gz' }))).rejects.toMatchObject({
      code: 'GZIP_TRUNCATED',
      position: { file: 'up.gz' },
    });
  });

  it('fills stats and reports warnings once at the end', async () => {
    const stats = new FastaStats();
    const warnings: FastaWarning[] = [];
    await readAll(readFasta(fixture('empty-record.fa'), { stats, onWarning: (w) => warnings.push(w) }));
    expect(stats).toMatchObject({ records: 2, emptySkipped: 2 });
    expect(warnings.map((w) => w.kind)).toEqual(['empty-records']);
  });

  it('reads nothing before subscribe: neither a stream nor a file', async () => {
    let pulled = 0;
    async function* bytes(): AsyncGenerator<Uint8Array> {
      pulled += 1;
      yield Buffer.from('>a\nAC\n');
    }
    const fromStream = readFasta(bytes());
    const later = path.join(scratch, 'later.fa');
    const fromPath = readFasta(later); // the file does not exist yet: opening it now would fail
    await delay(5);
    expect(pulled).toBe(0);
    writeFileSync(later, '>late\nGG\n');
    expect(plainRecords(await readAll(fromStream)).map((r) => r.id)).toEqual(['a']);
    expect(plainRecords(await readAll(fromPath)).map((r) => r.id)).toEqual(['late']);
  });

  it('keeps credit within capacity behind a slow consumer, and reads ahead only one chunk beyond it', async () => {
    const capacity = 64 * 1024;
    const chunkBytes = 16 * 1024;
    const credit = new Credit(capacity);
    const stats = new FastaStats();
    const text = readsText(8_000, 150); // ~1.3 MB
    let produced = 0;
    async function* bytes(): AsyncGenerator<Uint8Array> {
      const all = Buffer.from(text, 'latin1');
      for (let at = 0; at < all.length; at += chunkBytes) {
        produced += 1;
        yield all.subarray(at, at + chunkBytes);
      }
    }
    let consumedBases = 0;
    let maxAhead = 0;
    const batches: FastaBatch[] = [];
    await consumeBatches(readFasta(bytes(), { credit, stats, batchBases: 8 * 1024 }), async (batch) => {
      batches.push(batch);
      maxAhead = Math.max(maxAhead, stats.bases - consumedBases);
      await delay(1);
      consumedBases += batch.bases.length;
    });
    expect(plainRecords(batches)).toEqual(referenceParse(text));
    expect(produced).toBeGreaterThan(50);
    expect(credit.peak).toBeLessThanOrEqual(capacity);
    expect(credit.peak).toBeGreaterThan(capacity / 2); // the window really filled: the bound was exercised
    expect(maxAhead).toBeLessThanOrEqual(capacity + chunkBytes);
    expect(credit.used).toBe(0);
  });

  it.skipIf(!hasProc)('closes the file when unsubscribed early or aborted', async () => {
    const file = path.join(scratch, 'many.fa');
    writeFileSync(file, readsText(20_000, 150));
    const before = openFds();
    const two = await readAll(readFasta(file, { batchRecords: 10 }).pipe(take(2)));
    expect(two.map((b) => b.count)).toEqual([10, 10]);
    await delay(20);
    expect(openFds()).toBe(before);

    const controller = new AbortController();
    const reason = new Error('user abort');
    let seen = 0;
    const run = consumeBatches(readFasta(file, { batchRecords: 10, signal: controller.signal }), () => {
      seen += 1;
      if (seen === 3) controller.abort(reason);
    });
    await expect(run).rejects.toBe(reason);
    await delay(20);
    expect(openFds()).toBe(before);
  });

  it('validates its options at once, naming the option', () => {
    expect(() => readFasta(fixture('crlf.fa'), { creditUnits: 0 })).toThrow(/options\.creditUnits/);
    expect(() => readFasta(fixture('crlf.fa'), { credit: new Credit(10), creditUnits: 10 })).toThrow(/options\.creditUnits/);
    expect(() => readFasta(fixture('crlf.fa'), { batchBases: -1 })).toThrow(/options\.batchBases/);
    expect(() => readFasta(fixture('crlf.fa'), { batchRecords: 0 })).toThrow(/options\.batchRecords/);
    expect(() => readFasta(42 as unknown as string)).toThrow(TypeError);
  });

  it('has the public types the stages downstream rely on', () => {
    expectTypeOf(readFasta('reads.fa')).toEqualTypeOf<Observable<FastaBatch>>();
    expectTypeOf<FastaBatch['bases']>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<FastaBatch['lease']['release']>().toEqualTypeOf<() => void>();
    expectTypeOf(readFasta).parameter(0).toEqualTypeOf<string | AsyncIterable<Uint8Array>>();
    // @ts-expect-error a number is not an input
    expect(() => readFasta(1)).toThrow(TypeError);
  });
});
