import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { VirnucproError } from '../../src/errors.js';
import { allocateFeatureBatch, padTokenRows, type FeatureBatch, type Matrix, type TokenBatch } from '../../src/model/batches.js';
import { startInferencePool, resolveInferencePoolOptions, type InferencePool } from '../../src/model/inferencePool.js';
import type { EmbeddingModel } from '../../src/model/modelSpec.js';
import { sessionConfigEntries } from '../../src/model/sessionSettings.js';
import { EXIT_ON_ROWS, THROW_ON_ROWS } from './support/crashHooks.js';
import { CLASSIFIER_W12, expectedLogits, expectedMean, maxAbsDiff, onnxFixture, VOCAB } from './support/fixtureModels.js';

/** Pooled values vs the independent float64 expectation: float32 matmul and one final rounding. */
const TOLERANCE = 1e-6;
const PAD_ID = 3;

function encoder(overrides: Partial<EmbeddingModel> = {}): EmbeddingModel {
  return {
    kind: 'embedding',
    label: 'dna',
    file: onnxFixture('encoder_h6.onnx'),
    inputIds: 'input_ids',
    attentionMask: 'attention_mask',
    output: 'last_hidden_state',
    pooling: 'mean',
    hiddenSize: 6,
    ...overrides,
  };
}

const classifier = CLASSIFIER_W12;

/** Deterministic token rows: ids in [0, VOCAB), lengths as given. */
function tokenRows(lengths: readonly number[], seed = 1): number[][] {
  let state = seed;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % VOCAB;
  };
  return lengths.map((length) => Array.from({ length }, next));
}

/** Expected pooled rows, concatenated, for the given pooling. */
function expectedPooled(rows: readonly number[][], pooling: 'mean' | 'mean-residues', hidden = 6): number[] {
  return rows.flatMap((ids) =>
    pooling === 'mean' ? expectedMean(ids, 0, ids.length, hidden) : expectedMean(ids, 1, 1 + Math.min(1024, ids.length - 2), hidden),
  );
}

async function rejection(promise: Promise<unknown>): Promise<VirnucproError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VirnucproError);
  return error as VirnucproError;
}

describe('inference pool: pooled embeddings', () => {
  let dna: InferencePool<TokenBatch>;
  let protein: InferencePool<TokenBatch>;
  beforeAll(async () => {
    [dna, protein] = await Promise.all([
      startInferencePool(encoder(), { workers: 1, intraOpNumThreads: 1 }),
      startInferencePool(encoder({ label: 'protein', pooling: 'mean-residues' }), { workers: 1, intraOpNumThreads: 1 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([dna.close(), protein.close()]);
  });

  it("'mean' averages every real token of a padded batch and ignores padding", async () => {
    const rows = tokenRows([5, 1, 17, 9, 17]);
    const result = await dna.run(padTokenRows(rows, PAD_ID));
    expect([result.rows, result.columns]).toEqual([5, 6]);
    expect(maxAbsDiff(result.data, expectedPooled(rows, 'mean'))).toBeLessThanOrEqual(TOLERANCE);
  });

  it("'mean-residues' skips <cls>, <eos> and padding", async () => {
    const rows = tokenRows([3, 12, 40, 7], 2);
    const result = await protein.run(padTokenRows(rows, PAD_ID));
    expect(maxAbsDiff(result.data, expectedPooled(rows, 'mean-residues'))).toBeLessThanOrEqual(TOLERANCE);
    // The same rows pooled over all tokens differ: the span really excludes the specials.
    expect(maxAbsDiff(result.data, expectedPooled(rows, 'mean'))).toBeGreaterThan(1e-3);
  });

  it("'mean-residues' pools at most 1024 residues of a longer row", async () => {
    const rows = tokenRows([1100, 1026, 1027, 30], 3);
    const result = await protein.run(padTokenRows(rows, PAD_ID));
    expect(maxAbsDiff(result.data, expectedPooled(rows, 'mean-residues'))).toBeLessThanOrEqual(TOLERANCE);
    // Positions 1..1100-2 would give another mean for the 1100-token row.
    const unclipped = expectedMean(rows[0]!, 1, 1099, 6);
    expect(maxAbsDiff(result.data.subarray(0, 6), unclipped)).toBeGreaterThan(1e-4);
  });

  it('a padded batch gives each row exactly what the row gives alone', async () => {
    const rows = tokenRows([4, 33, 12, 33, 2], 4);
    const batched = await dna.run(padTokenRows(rows, PAD_ID));
    for (const [r, row] of rows.entries()) {
      const alone = await dna.run(padTokenRows([row], PAD_ID));
      expect(Array.from(alone.data)).toEqual(Array.from(batched.data.subarray(r * 6, (r + 1) * 6)));
    }
  });

  it('moves the batch to the worker and returns a result that owns its buffer', async () => {
    const batch = padTokenRows(tokenRows([8, 8]), PAD_ID);
    const promise = dna.run(batch);
    expect(batch.buffer.byteLength).toBe(0); // transferred at dispatch: the pool was idle
    expect(batch.inputIds.length).toBe(0);
    const result = await promise;
    expect(result.data.buffer.byteLength).toBe(2 * 6 * 4);
  });

  it('refuses a batch already sent, naming the buffer size', async () => {
    const batch = padTokenRows(tokenRows([8]), PAD_ID);
    await dna.run(batch);
    const error = await rejection(dna.run(batch));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toMatch(/already sent/);
  });

  it('refuses a mask that is not right-padded', async () => {
    const batch = padTokenRows(tokenRows([4, 2]), PAD_ID);
    batch.attentionMask[4 + 0] = 0n; // row 1 starts with padding
    batch.attentionMask[4 + 1] = 1n;
    const error = await rejection(dna.run(batch));
    expect(error.message).toMatch(/attention mask row 1: position 1/);
  });

  it('an onnxruntime failure is MODEL_RUN with the batch shape, and the pool keeps working', async () => {
    const error = await rejection(
      dna.run(
        padTokenRows(
          [
            [1, 200, 2],
            [1, 2],
          ],
          PAD_ID,
        ),
      ),
    );
    expect(error.code).toBe('MODEL_RUN');
    expect(error.message).toContain('dna model failed on a batch of 2 rows × 3 tokens');
    expect(error.message).toMatch(/out of data bounds|idx=200/);
    expect(error.position?.file).toBe(onnxFixture('encoder_h6.onnx'));
    expect(error.hint).toMatch(/tokenizer/);
    const rows = tokenRows([3]);
    expect(maxAbsDiff((await dna.run(padTokenRows(rows, PAD_ID))).data, expectedPooled(rows, 'mean'))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('an abort rejects a queued request with the reason and leaves the others alone', async () => {
    const controller = new AbortController();
    const rows = tokenRows([600, 600, 600, 600], 5);
    const first = dna.run(padTokenRows(rows, PAD_ID));
    const second = dna.run(padTokenRows(rows, PAD_ID), controller.signal);
    expect(dna.stats.queued).toBe(1);
    controller.abort(new Error('stop'));
    await expect(second).rejects.toThrow('stop');
    expect(dna.stats.queued).toBe(0);
    expect(maxAbsDiff((await first).data, expectedPooled(rows, 'mean'))).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('inference pool: in-graph pooled output and the classifier (one mechanism)', () => {
  it('uses pooledOutput instead of pooling last_hidden_state when the model names one', async () => {
    const pool = await startInferencePool(encoder({ file: onnxFixture('encoder_pooled.onnx'), pooledOutput: 'pooled_mean' }), {
      intraOpNumThreads: 1,
    });
    try {
      const rows = tokenRows([6, 2, 9], 6);
      const result = await pool.run(padTokenRows(rows, PAD_ID));
      // The fixture's pooled output is 2 × the masked mean, so that using it is visible.
      expect(
        maxAbsDiff(
          result.data,
          expectedPooled(rows, 'mean').map((x) => 2 * x),
        ),
      ).toBeLessThanOrEqual(2 * TOLERANCE);
    } finally {
      await pool.close();
    }
  });

  it('classifies float32 feature rows into [n, 2] logits', async () => {
    const pool = await startInferencePool(classifier, { intraOpNumThreads: 1 });
    try {
      const batch = allocateFeatureBatch(3, 12);
      batch.values.forEach((_, i) => (batch.values[i] = Math.sin(i) * 3));
      const features = Array.from(batch.values);
      const result = await pool.run(batch);
      expect([result.rows, result.columns]).toEqual([3, 2]);
      const expected = [0, 1, 2].flatMap((r) => expectedLogits(features.slice(r * 12, (r + 1) * 12)));
      expect(maxAbsDiff(result.data, expected)).toBeLessThanOrEqual(TOLERANCE);
      await expect(pool.run(padTokenRows([[1]], PAD_ID) as never)).rejects.toThrow(/takes features batches, not tokens/);
    } finally {
      await pool.close();
    }
  });
});

describe('inference pool: two workers on one model (onnxruntime#24486 regression)', () => {
  it('runs concurrent requests on both workers with correct results', async () => {
    const pool = await startInferencePool(encoder(), { workers: 2, intraOpNumThreads: 1 });
    try {
      const batches = Array.from({ length: 12 }, (_, i) => tokenRows([40 + i, 7, 90, 3 + i], 10 + i));
      const results = await Promise.all(batches.map((rows) => pool.run(padTokenRows(rows, PAD_ID))));
      results.forEach((result, i) => expect(maxAbsDiff(result.data, expectedPooled(batches[i]!, 'mean'))).toBeLessThanOrEqual(TOLERANCE));
      expect(pool.stats.completed.length).toBe(2);
      expect(pool.stats.completed.every((n) => n >= 1)).toBe(true);
      expect(pool.stats.completed[0]! + pool.stats.completed[1]!).toBe(12);
    } finally {
      await pool.close();
    }
  });
});

describe('inference pool: types', () => {
  it('an encoder pool takes token batches and a classifier pool feature batches', () => {
    expectTypeOf(startInferencePool(encoder())).resolves.toEqualTypeOf<InferencePool<TokenBatch>>();
    expectTypeOf(startInferencePool(classifier)).resolves.toEqualTypeOf<InferencePool<FeatureBatch>>();
    expectTypeOf<InferencePool<TokenBatch>['run']>().returns.resolves.toEqualTypeOf<Matrix>();
    const typeOnly = (pool: InferencePool<TokenBatch>): void => {
      // @ts-expect-error: features are the classifier's input
      void pool.run(allocateFeatureBatch(1, 12));
    };
    expect(typeOnly).toBeTypeOf('function');
  });
});

describe('inference pool: start-up failures', () => {
  it('a missing ONNX file is MODEL_LOAD naming the file', async () => {
    const error = await rejection(startInferencePool(encoder({ file: onnxFixture('absent.onnx') }), { workers: 2 }));
    expect(error.code).toBe('MODEL_LOAD');
    expect(error.position?.file).toBe(onnxFixture('absent.onnx'));
  });

  it('a truncated ONNX file is MODEL_LOAD naming the file', async () => {
    const error = await rejection(startInferencePool(encoder({ file: onnxFixture('truncated.onnx') })));
    expect(error.code).toBe('MODEL_LOAD');
    expect(error.message).toMatch(/Protobuf parsing failed/);
    expect(error.hint).toMatch(/truncated/);
  });

  it('a model whose output name differs is BUNDLE_INVALID naming the field', async () => {
    const error = await rejection(startInferencePool(encoder({ file: onnxFixture('encoder_wrong_output.onnx') })));
    expect(error.code).toBe('BUNDLE_INVALID');
    expect(error.message).toContain("dna.output: the model has no output 'last_hidden_state' (its outputs: 'hidden_states')");
  });

  it('a hidden size that disagrees with the file is refused at load', async () => {
    const error = await rejection(startInferencePool(encoder({ hiddenSize: 768 })));
    expect(error.code).toBe('BUNDLE_INVALID');
    expect(error.message).toContain('dna.hiddenSize: manifest.json says 768, the ONNX file says 6');
  });

  it.each([
    [
      'cuda',
      /missing .*libonnxruntime_providers_cuda\.so.*ONNXRUNTIME_NODE_INSTALL=cuda12 node \S*onnxruntime-node\/script\/install\.js.*CUDA 13 provider files placed in \S*linux\/x64/,
    ],
    ['webgpu', /Vulkan/],
  ] as const)('an unavailable %s provider is MODEL_LOAD naming it, with how to get it', async (provider, hint) => {
    const error = await rejection(startInferencePool(encoder(), { executionProvider: provider }));
    expect(error.code).toBe('MODEL_LOAD');
    expect(error.message).toContain(`with execution provider '${provider}'`);
    expect(error.hint).toMatch(hint);
  });

  it('an aborted start-up rejects with the reason', async () => {
    const controller = new AbortController();
    const started = startInferencePool(encoder(), { workers: 2, signal: controller.signal });
    controller.abort(new Error('user pressed ^C'));
    await expect(started).rejects.toThrow('user pressed ^C');
  });

  it('aborting start-ups at random moments of the model load never takes the process down', async () => {
    // Regression: the workers used to be terminate()d under onnxruntime's native load, which aborted the
    // process now and then (SIGABRT: once in CI, once in 450 start-ups here). 60 aborts in a child process, where such an
    // abort is visible; they must end in the reason, or in a pool that started before the abort came.
    const script = fileURLToPath(new URL('./support/abortedStartups.js', import.meta.url));
    const run = spawnSync(process.execPath, [script, '60', '150'], { encoding: 'utf8', timeout: 50_000 });
    expect(run.signal, run.stderr).toBeNull();
    expect(run.status, run.stderr).toBe(0);
    const { count, aborted } = JSON.parse(run.stdout) as { count: number; aborted: number };
    expect(count).toBe(60);
    expect(aborted).toBeGreaterThan(0);
  });

  it('validates options with a TypeError naming the option', () => {
    expect(() => resolveInferencePoolOptions({ workers: 0 })).toThrow(/options\.workers/);
    expect(() => resolveInferencePoolOptions({ intraOpNumThreads: 1.5 })).toThrow(/options\.intraOpNumThreads/);
    expect(() => resolveInferencePoolOptions({ executionProvider: 'tpu' as never })).toThrow(
      /options\.executionProvider must be one of cpu, cuda, webgpu/,
    );
    expect(() => resolveInferencePoolOptions({ deviceId: -1 })).toThrow(/options\.deviceId/);
    expect(() => resolveInferencePoolOptions({ graphOptimizationLevel: 'max' as never })).toThrow(/options\.graphOptimizationLevel/);
    expect(() => resolveInferencePoolOptions({ allowSpinning: 'no' as never })).toThrow(/options\.allowSpinning must be a boolean/);
    expect(resolveInferencePoolOptions({}).settings.allowSpinning).toBe(true);
    expect(sessionConfigEntries({ allowSpinning: false })).toEqual({ session: { intra_op: { allow_spinning: '0' } } });
  });

  it("'auto' intra-op threads never oversubscribe the cores", () => {
    const one = resolveInferencePoolOptions({ workers: 1 }).settings.intraOpNumThreads;
    const three = resolveInferencePoolOptions({ workers: 3 }).settings.intraOpNumThreads;
    expect(three).toBe(Math.max(1, Math.floor(one / 3)));
  });
});

describe('inference pool: a worker that dies', () => {
  const crashing = new URL('./support/crashingWorker.js', import.meta.url);

  it.each([
    ['exits', EXIT_ON_ROWS, /exited with code 3 while running a batch of 13 × 4/],
    ['throws an uncaught error', THROW_ON_ROWS, /exited with code 1 while running a batch of 14 × 4: injected uncaught error/],
  ])('fails its request with WORKER_CRASHED when it %s, and breaks the pool', async (_, rows, message) => {
    const pool = await startInferencePool(encoder(), { workers: 1, intraOpNumThreads: 1, workerUrl: crashing });
    try {
      const healthy = tokenRows([4]);
      expect(maxAbsDiff((await pool.run(padTokenRows(healthy, PAD_ID))).data, expectedPooled(healthy, 'mean'))).toBeLessThanOrEqual(
        TOLERANCE,
      );
      const doomed = pool.run(padTokenRows(tokenRows(new Array<number>(rows).fill(4)), PAD_ID));
      const queued = rejection(pool.run(padTokenRows(healthy, PAD_ID)));
      const error = await rejection(doomed);
      expect(error.code).toBe('WORKER_CRASHED');
      expect(error.message).toMatch(message);
      expect(error.hint).toMatch(/does not restart/);
      expect((await queued).code).toBe('WORKER_CRASHED');
      expect(pool.broken).toBe(error);
      await expect(pool.run(padTokenRows(healthy, PAD_ID))).rejects.toBe(error);
    } finally {
      await pool.close();
    }
  });
});

describe('inference pool: close', () => {
  it('still fails a batch whose worker dies while the pool is closing', async () => {
    const pool = await startInferencePool(encoder(), {
      intraOpNumThreads: 1,
      workerUrl: new URL('./support/crashingWorker.js', import.meta.url),
    });
    const doomed = rejection(pool.run(padTokenRows(tokenRows(new Array<number>(EXIT_ON_ROWS).fill(4)), PAD_ID)));
    await pool.close();
    expect((await doomed).code).toBe('WORKER_CRASHED');
  });

  it('lets a running batch finish, rejects queued ones and refuses later requests', async () => {
    const pool = await startInferencePool(encoder(), { intraOpNumThreads: 1 });
    const rows = tokenRows([300, 300]);
    const running = pool.run(padTokenRows(rows, PAD_ID));
    const queued = rejection(pool.run(padTokenRows(rows, PAD_ID)));
    const closed = pool.close();
    expect(maxAbsDiff((await running).data, expectedPooled(rows, 'mean'))).toBeLessThanOrEqual(TOLERANCE);
    expect((await queued).message).toMatch(/closed before this batch ran/);
    await closed;
    await expect(pool.run(padTokenRows(rows, PAD_ID))).rejects.toThrow(/after close/);
    expect(pool.broken).toBeUndefined();
  });
});
