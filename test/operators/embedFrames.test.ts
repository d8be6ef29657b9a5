import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { Subject, concat, take, throwError, type Observable, type OperatorFunction } from 'rxjs';
import {
  embedFrames,
  embedNucleotides,
  embedProteins,
  type DnaEmbedded,
  type Embedded,
  type ProteinEmbedded,
} from '../../operators/embedFrames.js';
import { embedSequences, type SequenceEmbedded } from '../../operators/embedSequences.js';
import type { FastaBatch } from '../../operators/readFasta.js';
import { resolveEmbedOptions, withEmbedSignal, type EmbedModel } from '../../src/embed/embedOptions.js';
import type { Leased } from '../../src/flow/credit.js';
import { consumeBatches } from '../../src/flow/sink.js';
import type { TokenBatch } from '../../src/model/batches.js';
import { resolveTokenPackerOptions, TokenPacker } from '../../src/packing/tokenPacker.js';
import { startInferencePool, type InferencePool } from '../../src/model/inferencePool.js';
import type { FrameBatch } from '../../src/sequence/frameBatch.js';
import { Esm2Tokenizer } from '../../src/tokenize/esm2Tokenizer.js';
import { prng } from '../../bench/support/syntheticFasta.js';
import { expectedMean, onnxFixture } from '../model/support/fixtureModels.js';
import { eventually, osThreads, recordBatchOf } from '../sequence/helpers.js';
import { Credit, frameBatchOf, leasedSource, maxAbsDiff, splitBySizes } from '../embed/support/embedKit.js';

/**
 * The operators around the engine, on test/fixtures/onnx/encoder_h6.onnx (hidden 6, position-independent, so
 * test/model/support/fixtureModels.ts computes every pooled row in float64) with the ESM-2 tokenizer (its ids
 * fit the fixture's 64-token vocabulary; the nucleotide column is tokenized with it too, which is fine for a
 * model that only sees ids). Tolerance 1e-6: float32 matmul and one rounding.
 */
const TOLERANCE = 1e-6;
const HIDDEN = 6;
const tokenizer = new Esm2Tokenizer();
const MODEL: EmbedModel = {
  kind: 'embedding',
  label: 'test',
  file: onnxFixture('encoder_h6.onnx'),
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  output: 'last_hidden_state',
  pooling: 'mean',
  hiddenSize: HIDDEN,
};
const POOL_OPTIONS = { workers: 2, intraOpNumThreads: 1 } as const;
const itLinux = osThreads() === undefined ? it.skip : it;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function randomSequences(seed: number, count: number, letters: string, maxLength: number): string[] {
  const random = prng(seed);
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + Math.floor(random() * maxLength) }, () => letters[Math.floor(random() * letters.length)]).join(''),
  );
}

/** The row's expected embedding: the fixture's mean over all tokens of its ESM-2 ids. */
function expected(sequence: string): number[] {
  const ids = Array.from(tokenizer.encode(Buffer.from(sequence, 'latin1')));
  return expectedMean(ids, 0, ids.length, HIDDEN);
}

/** Frame batches holding `sequences` in both columns' places (nucleotides here, proteins as 'M'), split by sizes. */
function frameBatches(
  sequences: readonly string[],
  sizes: readonly number[],
  column: 'nucleotides' | 'proteins' = 'nucleotides',
): FrameBatch[] {
  return splitBySizes(sequences, sizes).map((group) => frameBatchOf(group, column));
}

function worstRow(matrix: Float32Array, sequences: readonly string[]): number {
  let worst = 0;
  sequences.forEach(
    (sequence, i) => (worst = Math.max(worst, maxAbsDiff(matrix.subarray(i * HIDDEN, (i + 1) * HIDDEN), expected(sequence)))),
  );
  return worst;
}

describe('embedNucleotides / embedProteins on a shared pool', () => {
  let pool: InferencePool<TokenBatch>;
  beforeAll(async () => {
    pool = await startInferencePool(MODEL, POOL_OPTIONS);
  });
  afterAll(() => pool.close());

  it('stays within the credit behind a slow consumer, in order, with the right rows', async () => {
    const sequences = randomSequences(1, 400, 'ACGTN', 300);
    const groups = splitBySizes(sequences, [13, 0, 29, 7]);
    const capacity = 120;
    const credit = new Credit(capacity);
    const { source } = leasedSource(
      groups.map((group) => frameBatchOf(group, 'nucleotides')),
      credit,
    );
    let emitted = 0;
    let worst = 0;
    await consumeBatches(source.pipe(embedNucleotides({ tokenizer, pool, tokenBudget: 1024, window: 64 })), async (batch) => {
      expect(batch.chunks.ids).toEqual(groups[emitted]!.map((_, i) => `r${i}`));
      worst = Math.max(worst, worstRow(batch.dnaEmbeddings, groups[emitted]!));
      expect(credit.used).toBeLessThanOrEqual(capacity);
      emitted += 1;
      await delay(3);
    });
    expect(emitted).toBe(groups.length);
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
    expect(credit.peak).toBeLessThanOrEqual(capacity);
    expect(credit.peak).toBeGreaterThan(capacity / 2); // the input (~520 units) really was held back
    expect(credit.used).toBe(0);
  });

  it('does not deadlock when the credit is smaller than the window: it cuts when upstream stalls', async () => {
    const sequences = randomSequences(2, 300, 'MKVLAGE', 80);
    const groups = splitBySizes(sequences, [10]);
    const credit = new Credit(25); // two batches of 10 rows: far below the default window of 8 192 rows
    const { source } = leasedSource(
      groups.map((group) => frameBatchOf(group, 'proteins')),
      credit,
    );
    let rows = 0;
    let worst = 0;
    let emitted = 0;
    // No linger: only the stall rule can cut a partial window here.
    await consumeBatches(source.pipe(embedProteins({ tokenizer, pool, lingerMs: Infinity })), (batch) => {
      rows += batch.count;
      worst = Math.max(worst, worstRow(batch.proteinEmbeddings, groups[emitted++]!));
    });
    expect(rows).toBe(sequences.length);
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  }, 15_000); // a deadlock shows as this timeout

  it('chains a DNA and a protein stage on one small credit (each flushes when upstream stalls)', async () => {
    const sequences = randomSequences(3, 120, 'ACGT', 60);
    const groups = splitBySizes(sequences, [6, 1, 0, 9]);
    // Both columns hold the sequence, so both stages' rows are known.
    const batches = groups.map((group) => {
      const { proteins, proteinStarts } = frameBatchOf(group, 'proteins');
      return { ...frameBatchOf(group, 'nucleotides'), proteins, proteinStarts };
    });
    const credit = new Credit(30);
    const { source } = leasedSource(batches, credit);
    const stage = source.pipe(
      embedNucleotides({ tokenizer, pool, lingerMs: Infinity }),
      embedProteins({ tokenizer, pool, lingerMs: Infinity }),
    );
    expectTypeOf(stage).toMatchTypeOf<Observable<ProteinEmbedded<DnaEmbedded<FrameBatch & Leased>>>>();
    let emitted = 0;
    await consumeBatches(stage, (batch) => {
      expect(worstRow(batch.dnaEmbeddings, groups[emitted]!)).toBeLessThanOrEqual(TOLERANCE);
      expect(worstRow(batch.proteinEmbeddings, groups[emitted]!)).toBeLessThanOrEqual(TOLERANCE);
      expect([batch.dnaHidden, batch.proteinHidden]).toEqual([HIDDEN, HIDDEN]);
      emitted += 1;
    });
    expect(emitted).toBe(groups.length);
    expect(credit.used).toBe(0);
  }, 15_000);

  it('embeds for any encoder a bundle lists, by its label and what it reads: a third stage adds its own fields', async () => {
    const sequences = randomSequences(4, 60, 'ACGT', 50);
    const reversed = sequences.map((sequence) => [...sequence].reverse().join(''));
    const sizes = [7, 0, 11];
    const [groups, proteinGroups] = [splitBySizes(sequences, sizes), splitBySizes(reversed, sizes)];
    const batches = groups.map((group, k) => {
      const { proteins, proteinStarts } = frameBatchOf(proteinGroups[k]!, 'proteins');
      return { ...frameBatchOf(group, 'nucleotides'), proteins, proteinStarts };
    });
    const { source } = leasedSource(batches, new Credit(1000));
    const stage = source.pipe(
      embedNucleotides({ tokenizer, pool }),
      embedProteins({ tokenizer, pool }),
      embedFrames({ label: 'third', reads: 'protein' }, { tokenizer, pool }),
    );
    expectTypeOf(stage).toMatchTypeOf<Observable<Embedded<'third', ProteinEmbedded<DnaEmbedded<FrameBatch & Leased>>>>>();
    let emitted = 0;
    await consumeBatches(stage, (batch) => {
      expect(worstRow(batch.dnaEmbeddings, groups[emitted]!)).toBeLessThanOrEqual(TOLERANCE);
      expect(worstRow(batch.proteinEmbeddings, proteinGroups[emitted]!)).toBeLessThanOrEqual(TOLERANCE);
      // The third encoder read each frame's protein, and its matrix is its own.
      expect(worstRow(batch.thirdEmbeddings, proteinGroups[emitted]!)).toBeLessThanOrEqual(TOLERANCE);
      expect(batch.thirdEmbeddings).not.toBe(batch.proteinEmbeddings);
      expect(batch.thirdHidden).toBe(HIDDEN);
      emitted += 1;
    });
    expect(emitted).toBe(groups.length);
  });

  it('cuts a partial window lingerMs after input stops, without waiting for the end', async () => {
    const credit = new Credit(1000);
    const batch = { ...frameBatchOf(['MKV', 'MKVL'], 'proteins'), lease: credit.tryAcquire(1)! };
    const input = new Subject<FrameBatch & Leased>();
    const seen: number[] = [];
    const done = consumeBatches(input.pipe(embedProteins({ tokenizer, pool, lingerMs: 30 })), (out) => void seen.push(out.count));
    input.next(batch);
    await eventually(() => seen.length === 1, 2000);
    input.complete();
    await done;
  });

  it('errors with the upstream error and releases what it held', async () => {
    const credit = new Credit(1000);
    const { source } = leasedSource(frameBatches(randomSequences(4, 30, 'ACGT', 50), [10]), credit);
    const failing = concat(
      source.pipe(take(2)),
      throwError(() => new Error('reader broke')),
    );
    await expect(consumeBatches(failing.pipe(embedNucleotides({ tokenizer, pool, lingerMs: Infinity })), () => undefined)).rejects.toThrow(
      'reader broke',
    );
    expect(credit.used).toBe(0);
  });

  it('errors with the signal reason when aborted', async () => {
    const stop = new AbortController();
    const { source } = leasedSource(frameBatches(randomSequences(5, 60, 'ACGT', 50), [5]), new Credit(1000));
    const run = consumeBatches(source.pipe(embedNucleotides({ tokenizer, pool, window: 4, signal: stop.signal })), () => {
      stop.abort(new Error('user stop'));
    });
    await expect(run).rejects.toThrow('user stop');
  });

  it('takes options resolved once (the pipeline starts an operator per input batch) as they are', () => {
    const resolved = resolveEmbedOptions({ tokenizer, pool, window: 4 });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(resolveEmbedOptions(resolved)).toBe(resolved);
    const stop = new AbortController();
    const perBatch = withEmbedSignal(resolved, stop.signal);
    expect(perBatch).toEqual({ ...resolved, signal: stop.signal });
    expect(resolveEmbedOptions(perBatch)).toBe(perBatch);
    expect(() => embedNucleotides(perBatch)).not.toThrow();
    // A look-alike that this module did not resolve is checked like any options.
    expect(() => embedNucleotides({ ...resolved } as never)).toThrow(/options\.pool must be an InferencePool/);
  });

  it('pads packs to what the backend asks for: 1 on the CPU, 4 for a CUDA pool (started or to start), or as given', () => {
    expect(resolveEmbedOptions({ tokenizer, pool }).packing.lengthMultiple).toBe(1);
    expect(resolveEmbedOptions({ tokenizer, model: MODEL, poolOptions: { executionProvider: 'cuda' } }).packing.lengthMultiple).toBe(4);
    expect(resolveEmbedOptions({ tokenizer, model: MODEL }).packing.lengthMultiple).toBe(1);
    expect(resolveEmbedOptions({ tokenizer, pool, lengthMultiple: 8 }).packing.lengthMultiple).toBe(8);
    expect(() => resolveEmbedOptions({ tokenizer, pool, lengthMultiple: 0 })).toThrow(
      /options\.lengthMultiple must be an integer in 1\.\.64/,
    );
  });

  it("takes packing resolved ahead (a run plan's) as it is, at the backend's padding multiple", () => {
    const planned = resolveTokenPackerOptions({ tokenBudget: 2048, window: 64 });
    expect(resolveEmbedOptions({ tokenizer, pool, packing: planned }).packing).toBe(planned);
    const cuda = resolveEmbedOptions({ tokenizer, model: MODEL, poolOptions: { executionProvider: 'cuda' }, packing: planned }).packing;
    expect(cuda).toEqual({ ...planned, lengthMultiple: 4 });
    expect(Object.isFrozen(cuda)).toBe(true);
    expect(new TokenPacker<number>(cuda).lengthMultiple).toBe(4);
    // Taken unchecked only as resolveTokenPackerOptions returned it, and never mixed with the options it settled.
    expect(() => resolveEmbedOptions({ tokenizer, pool, packing: { ...planned, tokenBudget: 0 } })).toThrow(
      /packing options must be what resolveTokenPackerOptions returned/,
    );
    expect(() => resolveEmbedOptions({ tokenizer, pool, packing: planned, tokenBudget: 64, window: 8 })).toThrow(
      /options\.packing cannot be combined with options\.tokenBudget, options\.window/,
    );
  });

  it('validates its options at once, naming them, and has the documented types', () => {
    expect(() => embedNucleotides({ tokenizer })).toThrow(/give exactly one of options\.pool and options\.model/);
    expect(() => embedNucleotides({ tokenizer, pool, model: MODEL })).toThrow(/exactly one of options\.pool and options\.model/);
    expect(() => embedNucleotides({ tokenizer, pool, poolOptions: { workers: 1 } })).toThrow(/options\.poolOptions cannot be combined/);
    expect(() => embedNucleotides({ tokenizer, model: MODEL, poolOptions: { workers: 0 } })).toThrow(/options\.workers must be an integer/);
    expect(() => embedNucleotides({ tokenizer: {} as Esm2Tokenizer, pool })).toThrow(/options\.tokenizer must be a Tokenizer/);
    expect(() => embedNucleotides({ tokenizer, pool, tokenBudget: 0 })).toThrow(/options\.tokenBudget must be a positive integer/);
    expect(() => embedNucleotides({ tokenizer, pool, window: 1.5 })).toThrow(/options\.window must be an integer/);
    expect(() => embedNucleotides({ tokenizer, pool, lingerMs: -1 })).toThrow(/options\.lingerMs must be a number >= 0/);
    expect(() => embedNucleotides({ tokenizer, pool, maxInFlight: 0 })).toThrow(/options\.maxInFlight must be an integer >= 1/);
    expect(() => embedNucleotides({ tokenizer, pool, maxTokens: 0 })).toThrow(/options\.maxTokens must be a positive integer/);
    expect(() => embedNucleotides({ tokenizer, pool, padId: 33 })).toThrow(/options\.padId must be a token id in 0\.\.32/);
    expectTypeOf(embedNucleotides({ tokenizer, pool })).toEqualTypeOf<
      OperatorFunction<FrameBatch & Leased, DnaEmbedded<FrameBatch & Leased>>
    >();
    expectTypeOf(embedProteins({ tokenizer, pool })).toEqualTypeOf<
      OperatorFunction<FrameBatch & Leased, ProteinEmbedded<FrameBatch & Leased>>
    >();
    expectTypeOf(embedSequences({ tokenizer, pool })).toEqualTypeOf<OperatorFunction<FastaBatch, SequenceEmbedded<FastaBatch>>>();
    expectTypeOf<DnaEmbedded>().toMatchTypeOf<{
      readonly dnaEmbeddings: Float32Array;
      readonly dnaHidden: number;
      readonly count: number;
    }>();
    // @ts-expect-error record batches have no frames to embed
    void embedNucleotides<FastaBatch>({ tokenizer, pool });
  });
});

describe('embedding operators with their own pool (options.model)', () => {
  const sequences = randomSequences(6, 40, 'MKVLAGE', 60);

  itLinux('reads nothing and starts no thread before subscribe; closes its pool on complete', async () => {
    const before = osThreads()!;
    const { source, read } = leasedSource(frameBatches(sequences, [8], 'proteins'), new Credit(1000));
    const embedded = source.pipe(embedProteins({ tokenizer, model: MODEL, poolOptions: POOL_OPTIONS }));
    await delay(30);
    expect([read(), osThreads()]).toEqual([0, before]);
    let during = 0;
    let worst = 0;
    let emitted = 0;
    const groups = splitBySizes(sequences, [8]);
    await consumeBatches(embedded, (batch) => {
      during = Math.max(during, osThreads()!);
      worst = Math.max(worst, worstRow(batch.proteinEmbeddings, groups[emitted++]!));
    });
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
    expect(during).toBeGreaterThanOrEqual(before + 2);
    await eventually(() => osThreads()! <= before);
  });

  itLinux('closes its pool and releases the credit on unsubscribe', async () => {
    const before = osThreads()!;
    const credit = new Credit(1000);
    const { source } = leasedSource(frameBatches(sequences, [4], 'proteins'), credit);
    let seen = 0;
    await consumeBatches(
      source.pipe(embedProteins({ tokenizer, model: MODEL, poolOptions: POOL_OPTIONS, window: 4 }), take(2)),
      () => void (seen += 1),
    );
    expect(seen).toBe(2);
    await eventually(() => osThreads()! <= before && credit.used === 0);
  });

  itLinux('closes its pool on error', async () => {
    const before = osThreads()!;
    const { source } = leasedSource(frameBatches(sequences, [4], 'proteins'), new Credit(1000));
    const failing = concat(
      source.pipe(take(3)),
      throwError(() => new Error('upstream failed')),
    );
    await expect(
      consumeBatches(failing.pipe(embedProteins({ tokenizer, model: MODEL, poolOptions: POOL_OPTIONS })), () => undefined),
    ).rejects.toThrow('upstream failed');
    await eventually(() => osThreads()! <= before);
  });

  it('errors with MODEL_LOAD when its model cannot load, even on empty input', async () => {
    const { source } = leasedSource<FrameBatch>([], new Credit(10));
    const broken = { ...MODEL, file: onnxFixture('truncated.onnx') };
    const run = consumeBatches(source.pipe(embedNucleotides({ tokenizer, model: broken, poolOptions: { workers: 1 } })), () => undefined);
    await expect(run).rejects.toMatchObject({ code: 'MODEL_LOAD' });
  });

  it('embedSequences upper-cases records and refuses a row over maxTokens with the record id', async () => {
    const records = [
      { id: 'a', seq: 'mkvL' },
      { id: 'b', seq: 'MKVLAGE' },
    ];
    const credit = new Credit(1000);
    const { source } = leasedSource([recordBatchOf(records, 'in.fa')], credit);
    const outputs: SequenceEmbedded<FastaBatch>[] = [];
    await consumeBatches(
      source.pipe(embedSequences({ tokenizer, model: MODEL, poolOptions: { workers: 1 } })),
      (batch) => void outputs.push(batch),
    );
    expect(worstRow(outputs[0]!.embeddings, ['MKVL', 'MKVLAGE'])).toBeLessThanOrEqual(TOLERANCE);
    const again = leasedSource([recordBatchOf(records, 'in.fa')], credit).source;
    await expect(
      consumeBatches(
        again.pipe(embedSequences({ tokenizer, model: { ...MODEL, maxTokens: 8 }, poolOptions: { workers: 1 } })),
        () => undefined,
      ),
    ).rejects.toMatchObject({ code: 'ROW_TOO_LONG', position: { file: 'in.fa', line: 3, recordId: 'b' } });
    expect(credit.used).toBe(0);
  });
});
