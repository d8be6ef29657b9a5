import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedNucleotides, embedProteins } from '../../operators/embedFrames.js';
import { loadEncoderTokenizer } from '../../src/embed/encoderTokenizer.js';
import { consumeBatches } from '../../src/flow/sink.js';
import { loadBundle, type BundleEncoder } from '../../src/model/bundle.js';
import type { TokenBatch } from '../../src/model/batches.js';
import { startInferencePool, type InferencePool } from '../../src/model/inferencePool.js';
import { PackingStats } from '../../src/packing/packingStats.js';
import type { Tokenizer } from '../../src/tokenize/tokenizer.js';
import { describeShared, sharedPath } from '../support/shared.js';
import {
  Credit,
  MODELS,
  frameBatchOf,
  leasedSource,
  maxAbsDiff,
  readReference,
  splitBySizes,
  type Reference,
} from '../embed/support/embedKit.js';

/**
 * Packed, batched embeddings through the frame operators against PyTorch run one sequence at a time on the same
 * real-architecture fixture models (test/fixtures/models). Tolerance 1e-5, the project's target for embeddings.
 * Several budgets and windows, including a budget below most rows (they then run alone) and one that packs
 * everything; both the hidden-state manifest (virnucpro pools) and the in-graph pooled one.
 */
const TOLERANCE = 1e-5;
/** tokenBudget, window, maxRows (0: no cap). 64 tokens is below most rows of both references: they run alone. */
type Packing = readonly [tokenBudget: number, window: number, maxRows: number];
const PACKINGS: readonly Packing[] = [
  [64, 4, 0],
  [700, 3, 0],
  [2_048, 16, 5],
  [4_096, 8_192, 0],
];
/** Upstream batch sizes, cycled: zero-row batches in between. */
const BATCH_SIZES = [3, 0, 7, 1, 11, 0, 5];

async function embedAgainstReference(
  kind: 'dna' | 'protein',
  pool: InferencePool<TokenBatch>,
  tokenizer: Tokenizer,
  reference: Reference,
  [tokenBudget, window, maxRows]: Packing,
): Promise<{ worst: number; stats: PackingStats }> {
  const sequences = reference.rows.map((row) => row.sequence);
  const indexes = splitBySizes(
    sequences.map((_, k) => k),
    BATCH_SIZES,
  );
  const batches = indexes.map((group) =>
    frameBatchOf(
      group.map((k) => sequences[k]!),
      kind === 'dna' ? 'nucleotides' : 'proteins',
    ),
  );
  const credit = new Credit(1 << 20);
  const stats = new PackingStats();
  const options = { tokenizer, pool, tokenBudget, window, ...(maxRows ? { maxRows } : {}), stats };
  const { source } = leasedSource(batches, credit);
  let worst = 0;
  let emitted = 0;
  const check = (matrix: Float32Array, hidden: number): void => {
    expect(hidden).toBe(reference.hiddenSize);
    indexes[emitted]!.forEach((k, i) => {
      worst = Math.max(worst, maxAbsDiff(matrix.subarray(i * hidden, (i + 1) * hidden), reference.embedding(k)));
    });
    emitted += 1;
  };
  await (kind === 'dna'
    ? consumeBatches(source.pipe(embedNucleotides(options)), (batch) => check(batch.dnaEmbeddings, batch.dnaHidden))
    : consumeBatches(source.pipe(embedProteins(options)), (batch) => check(batch.proteinEmbeddings, batch.proteinHidden)));
  expect(emitted).toBe(batches.length);
  expect(stats.rows).toBe(sequences.length);
  return { worst, stats };
}

function suite(kind: 'dna' | 'protein'): void {
  let dir: string;
  const pools: Partial<Record<string, InferencePool<TokenBatch>>> = {};
  const encoders: Partial<Record<string, BundleEncoder>> = {};
  let reference: Reference;
  let tokenizer: Tokenizer;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), `virnucpro-embed-${kind}-`));
    for (const name of await readdir(MODELS)) {
      if (name.endsWith('.onnx') || name.endsWith('.json')) await copyFile(path.join(MODELS, name), path.join(dir, name));
    }
    if (kind === 'dna') await copyFile(sharedPath('models', 'dnabert-s', 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
    reference = await readReference(kind);
    for (const manifest of ['manifest-500.json', 'manifest-500-pooled.json']) {
      const bundle = await loadBundle(path.join(dir, manifest), { parts: [kind] });
      encoders[manifest] = bundle[kind];
      pools[manifest] = await startInferencePool(bundle[kind], { workers: 2, intraOpNumThreads: 1 });
    }
    tokenizer = await loadEncoderTokenizer(encoders['manifest-500.json']!);
  });
  afterAll(async () => {
    await Promise.all(Object.values(pools).map((pool) => pool?.close()));
    await rm(dir, { recursive: true, force: true });
  });

  describe.each(['manifest-500.json', 'manifest-500-pooled.json'])('%s', (manifest) => {
    it.each(PACKINGS)(`${kind}: budget %i, window %i, maxRows %i: within 1e-5 of one-at-a-time PyTorch`, async (...packing) => {
      expect(Boolean(encoders[manifest]!.pooledOutput)).toBe(manifest.includes('pooled'));
      const { worst, stats } = await embedAgainstReference(kind, pools[manifest]!, tokenizer, reference, packing);
      console.log(
        `[info] ${manifest} ${kind} budget ${packing[0]} window ${packing[1]}: ${stats.batches} packs, ` +
          `efficiency ${(stats.efficiency * 100).toFixed(1)} %, max |diff| ${worst.toExponential(2)}`,
      );
      expect(worst).toBeLessThanOrEqual(TOLERANCE);
      if (packing[0] === 64) expect(stats.batches).toBeGreaterThan(reference.rows.length / 2); // long rows ran alone
      if (packing[0] === 4_096) expect(stats.batches).toBeLessThan(reference.rows.length / 2); // and here they shared packs
    });
  });
}

describe('embedProteins against the PyTorch reference (ESM-2 architecture fixture)', () => suite('protein'));
describeShared('embedNucleotides against the PyTorch reference (DNABERT-S architecture fixture, real tokenizer)', () => suite('dna'));
