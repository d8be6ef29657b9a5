import { describe, expect, it } from 'vitest';
import { EmbeddingEngine, type EmbeddingEngineSettings } from '../../src/embed/embeddingEngine.js';
import { RECORD_SEQUENCES } from '../../src/embed/rowSelector.js';
import { VirnucproError } from '../../src/errors.js';
import type { RecordBatch } from '../../src/fasta/recordBatch.js';
import { Credit, type Leased } from '../../src/flow/credit.js';
import type { Matrix, TokenBatch } from '../../src/model/batches.js';
import { PackingStats } from '../../src/packing/packingStats.js';
import { DEFAULT_TOKEN_PACKER } from '../../src/packing/tokenPacker.js';
import { ESM2_PAD_ID, Esm2Tokenizer } from '../../src/tokenize/esm2Tokenizer.js';
import { prng } from '../../bench/support/syntheticFasta.js';
import { recordBatchOf, type TextRecord } from '../sequence/helpers.js';

/**
 * The engine with a stand-in for the pool: `fakeModel` pools each row to [Σ ids, real length, first id] from
 * the padded batch and its mask, so every output row can be checked against the row's own tokens.
 */
const HIDDEN = 3;
const tokenizer = new Esm2Tokenizer();
type Batch = RecordBatch & Leased;

function fakeModel(batch: TokenBatch): Matrix {
  const data = new Float32Array(batch.rows * HIDDEN);
  for (let r = 0; r < batch.rows; r++) {
    let sum = 0;
    let length = 0;
    for (let t = 0; t < batch.length; t++) {
      if (batch.attentionMask[r * batch.length + t] === 0n) continue;
      sum += Number(batch.inputIds[r * batch.length + t]);
      length += 1;
    }
    data.set([sum, length, Number(batch.inputIds[r * batch.length])], r * HIDDEN);
  }
  return { rows: batch.rows, columns: HIDDEN, data };
}

/** What fakeModel gives for a record, computed from the tokenizer alone (upper-cased like the engine does). */
function expectedRow(seq: string): number[] {
  const ids = Array.from(tokenizer.encode(Buffer.from(seq.toUpperCase(), 'latin1')));
  return [ids.reduce((a, b) => a + b, 0), ids.length, ids[0]!];
}

function randomProteins(seed: number, count: number, maxLength: number): TextRecord[] {
  const random = prng(seed);
  const letters = 'ACDEFGHIKLMNPQRSTVWYacdxbz';
  return Array.from({ length: count }, (_, i) => ({
    id: `s${seed}_${i}`,
    seq: Array.from({ length: 1 + Math.floor(random() ** 2 * maxLength) }, () => letters[Math.floor(random() * letters.length)]).join(''),
  }));
}

interface Harness {
  readonly engine: EmbeddingEngine<Batch>;
  readonly out: { batch: Batch; embeddings: Float32Array }[];
  readonly calls: TokenBatch[];
  readonly signals: AbortSignal[];
  readonly done: Promise<void>;
  inFlightPeak: number;
}

function harness(overrides: Partial<EmbeddingEngineSettings<Batch>> = {}, delay: () => number = () => 0): Harness {
  let settle!: { resolve: () => void; reject: (error: unknown) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const h: Harness = {
    out: [],
    calls: [],
    signals: [],
    done,
    inFlightPeak: 0,
    engine: undefined as unknown as EmbeddingEngine<Batch>,
  };
  let running = 0;
  const settings: EmbeddingEngineSettings<Batch> = {
    rows: RECORD_SEQUENCES,
    tokenizer,
    padId: ESM2_PAD_ID,
    hiddenSize: HIDDEN,
    maxTokens: Infinity,
    packing: { ...DEFAULT_TOKEN_PACKER, tokenBudget: 256, window: 16 },
    maxInFlight: 2,
    lingerMs: Infinity,
    stats: undefined,
    run: (batch, signal) => {
      h.calls.push(batch);
      h.signals.push(signal);
      const result = fakeModel(batch); // computed now: the real pool's buffer moves away on run
      running += 1;
      h.inFlightPeak = Math.max(h.inFlightPeak, running);
      return new Promise<Matrix>((resolve) =>
        setTimeout(() => {
          running -= 1;
          resolve(result);
        }, delay()),
      );
    },
    ...overrides,
  };
  (h as { engine: EmbeddingEngine<Batch> }).engine = new EmbeddingEngine<Batch>(settings, {
    next: (batch, embeddings) => h.out.push({ batch, embeddings }),
    error: (error) => settle.reject(error),
    complete: () => settle.resolve(),
  });
  return h;
}

function leased(records: readonly TextRecord[], credit: Credit): Batch {
  const lease = credit.tryAcquire(1);
  if (!lease) throw new Error('test credit exhausted');
  return { ...recordBatchOf(records), lease };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('EmbeddingEngine', () => {
  it('emits batches in input order, row i = row i, whatever order the packs finish in', async () => {
    const random = prng(7);
    const stats = new PackingStats();
    const h = harness({ stats }, () => random() * 8);
    const credit = new Credit(1000);
    const inputs = [randomProteins(1, 9, 120), [], randomProteins(2, 1, 40), randomProteins(3, 30, 300), [], randomProteins(4, 5, 60)];
    inputs.forEach((records) => h.engine.push(leased(records, credit)));
    h.engine.end();
    await h.done;

    expect(h.out.map(({ batch }) => batch.ids)).toEqual(inputs.map((records) => records.map((r) => r.id)));
    h.out.forEach(({ batch, embeddings }, b) => {
      expect(embeddings.length).toBe(batch.count * HIDDEN);
      inputs[b]!.forEach((record, i) =>
        expect(Array.from(embeddings.subarray(i * HIDDEN, (i + 1) * HIDDEN)), record.id).toEqual(expectedRow(record.seq)),
      );
    });
    const rows = inputs.flat().length;
    // Every row ran exactly once, in packs within the budget (a row over it alone), and the stats saw them all.
    expect(h.calls.reduce((sum, call) => sum + call.rows, 0)).toBe(rows);
    for (const call of h.calls) expect(call.rows === 1 || call.rows * call.length <= 256).toBe(true);
    expect(h.calls.some((call) => call.rows === 1 && call.length > 256)).toBe(true);
    expect([stats.rows, stats.batches]).toEqual([rows, h.calls.length]);
    expect(h.inFlightPeak).toBeLessThanOrEqual(2);
    expect(h.inFlightPeak).toBe(2);
  });

  it("pads every pack to the packing lengthMultiple (the CUDA kernels' alignment) with the same rows out", async () => {
    const h = harness({ packing: { ...DEFAULT_TOKEN_PACKER, tokenBudget: 256, window: 16, lengthMultiple: 4 } });
    const records = randomProteins(11, 40, 90);
    h.engine.push(leased(records, new Credit(10)));
    h.engine.end();
    await h.done;
    // fakeModel reads the mask: padding to the multiple changes no row, and every pack's width is aligned.
    records.forEach((record, i) =>
      expect(Array.from(h.out[0]!.embeddings.subarray(i * HIDDEN, (i + 1) * HIDDEN)), record.id).toEqual(expectedRow(record.seq)),
    );
    expect(h.calls.length).toBeGreaterThan(1);
    for (const call of h.calls) expect(call.length % 4, `pack of width ${call.length}`).toBe(0);
    // Some pack was widened past its longest row: its last column is padding in every row.
    const lastColumnPadded = (call: TokenBatch) =>
      Array.from({ length: call.rows }, (_, r) => call.attentionMask[(r + 1) * call.length - 1]).every((m) => m === 0n);
    expect(h.calls.some(lastColumnPadded)).toBe(true);
  });

  it('waits for a full window while upstream is not stalled, and cuts when it is and no pack runs', async () => {
    const credit = new Credit(3);
    const h = harness({ packing: { ...DEFAULT_TOKEN_PACKER, window: 1000 } });
    h.engine.push(leased(randomProteins(5, 4, 50), credit));
    h.engine.push(leased(randomProteins(6, 4, 50), credit));
    await delay(20);
    expect(h.calls).toHaveLength(0);
    // The source now waits for credit: no row can come until this stage lets a batch go.
    const waiting = credit.acquire(2);
    await delay(20);
    expect(h.calls.length).toBeGreaterThan(0);
    await delay(20);
    expect(h.out.map(({ batch }) => batch.count)).toEqual([4, 4]);
    for (const { batch } of h.out) batch.lease.release();
    (await waiting).release();
    h.engine.end();
    await h.done;
  });

  it('cuts a partial window lingerMs after the last input', async () => {
    const h = harness({ lingerMs: 40, packing: { ...DEFAULT_TOKEN_PACKER, window: 1000 } });
    const credit = new Credit(10);
    h.engine.push(leased(randomProteins(8, 3, 30), credit));
    await delay(15);
    h.engine.push(leased(randomProteins(9, 3, 30), credit)); // new input restarts the wait
    await delay(30);
    expect(h.calls).toHaveLength(0);
    await delay(60);
    expect(h.out).toHaveLength(2);
    h.engine.end();
    await h.done;
  });

  it('takes in results and sends more packs while a large batch is still being tokenized', async () => {
    let tokenized = 0;
    const counting = new Proxy(tokenizer, {
      get: (target, key) =>
        key === 'encodeInto'
          ? (bytes: Uint8Array, out: Int32Array, offset?: number) => ((tokenized += 1), target.encodeInto(bytes, out, offset))
          : Reflect.get(target, key),
    });
    const sentWhileTokenizing: number[] = [];
    const h = harness({
      tokenizer: counting,
      packing: { ...DEFAULT_TOKEN_PACKER, tokenBudget: 2048, window: 32 },
      run: (batch) => {
        sentWhileTokenizing.push(tokenized);
        return Promise.resolve(fakeModel(batch));
      },
    });
    const records = randomProteins(13, 2000, 200); // ~200 KB: several tokenizing slices
    h.engine.push(leased(records, new Credit(10)));
    h.engine.end();
    await h.done;
    expect(h.out[0]!.batch.count).toBe(2000);
    // With 2 packs in flight at most, only results taken in between slices let more than 2 go before the end.
    expect(sentWhileTokenizing.filter((rows) => rows < 2000).length).toBeGreaterThan(2);
  });

  it('completes at once when the input is empty or has zero-row batches only', async () => {
    const h = harness();
    const credit = new Credit(10);
    h.engine.push(leased([], credit));
    h.engine.end();
    await h.done;
    expect(h.out.map(({ embeddings }) => embeddings.length)).toEqual([0]);
    expect(h.calls).toHaveLength(0);
  });

  it('refuses a non-ASCII byte and a row over maxTokens, naming the record, and releases what it held', async () => {
    const credit = new Credit(10);
    const bad = harness();
    bad.engine.push(leased(randomProteins(10, 3, 20), credit));
    bad.engine.push(
      leased(
        [
          { id: 'ok', seq: 'MK' },
          { id: 'odd', seq: 'MK\u00e9V' },
        ],
        credit,
      ),
    );
    const error = await bad.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'TOKENIZER_INPUT', position: { file: 'test.fa', line: 3, recordId: 'odd' } });
    expect(credit.used).toBe(0);

    const long = harness({ maxTokens: 12 });
    long.engine.push(
      leased(
        [
          { id: 'fits', seq: 'M'.repeat(10) },
          { id: 'long', seq: 'M'.repeat(11) },
        ],
        credit,
      ),
    );
    const tooLong = await long.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(tooLong).toBeInstanceOf(VirnucproError);
    expect(tooLong).toMatchObject({ code: 'ROW_TOO_LONG', position: { recordId: 'long' } });
    expect((tooLong as Error).message).toMatch(/sequence of 13 tokens is longer than the model takes \(maxTokens 12\)/);
    expect(credit.used).toBe(0);
  });

  it('fails on the first pool error, aborts the packs in flight and releases the held leases', async () => {
    const credit = new Credit(10);
    let calls = 0;
    const signals: AbortSignal[] = [];
    const h = harness({
      packing: { ...DEFAULT_TOKEN_PACKER, tokenBudget: 64, window: 4 },
      run: (batch, signal) => {
        signals.push(signal);
        calls += 1;
        return calls === 2 ? Promise.reject(new VirnucproError('MODEL_RUN', 'boom')) : new Promise<Matrix>(() => undefined);
      },
    });
    h.engine.push(leased(randomProteins(11, 8, 40), credit));
    await expect(h.done).rejects.toMatchObject({ code: 'MODEL_RUN' });
    expect(signals[0]!.aborted).toBe(true);
    expect(credit.used).toBe(0);
    const late = leased([{ id: 'late', seq: 'MK' }], credit);
    h.engine.push(late);
    expect(late.lease.released).toBe(true);
  });

  it('close() aborts the packs in flight and releases the leases of the batches it held', async () => {
    const credit = new Credit(10);
    const h = harness({}, () => 1_000);
    h.engine.push(leased(randomProteins(12, 20, 100), credit));
    h.engine.end();
    await delay(5);
    expect(h.calls.length).toBeGreaterThan(0);
    h.engine.close();
    expect(h.signals.every((signal) => signal.aborted)).toBe(true);
    expect(credit.used).toBe(0);
    expect(h.out).toHaveLength(0);
  });
});
