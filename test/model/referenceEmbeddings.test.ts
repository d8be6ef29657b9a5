import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { padTokenRows } from '../../src/model/batches.js';
import { loadBundle } from '../../src/model/bundle.js';
import { startInferencePool } from '../../src/model/inferencePool.js';
import { REPO_ROOT } from '../support/shared.js';
import { maxAbsDiff } from './support/fixtureModels.js';

/**
 * The real-architecture fixture models (random weights, DNABERT-S and ESM-2 code; tools/make_fixtures.py)
 * through the pool in padded batches of mixed lengths, against PyTorch embeddings computed one sequence at
 * a time without padding. Tolerance 1e-5 (the project's target for embeddings vs one-at-a-time torch).
 */
const TOLERANCE = 1e-5;
const MODELS = path.join(REPO_ROOT, 'test', 'fixtures', 'models');
const REFERENCE = path.join(MODELS, 'reference');
/**
 * The manifests name a `tokenizer.json` that the fixture folder leaves out (the real DNABERT-S one may not be
 * committed). The ids come from the reference files here, so the bundle only needs a tokenizer that loads:
 * the demo bundle's.
 */
const TOKENIZER = path.join(REPO_ROOT, 'models', 'demo', 'tokenizer.json');

/** Pad ids of the two vocabularies: DNABERT-S `[PAD]`, ESM-2 `<pad>` (semantics §5-6). */
const PAD_IDS = { dna: 3, protein: 1 } as const;
/** Rows per batch: small enough that every batch mixes short and long rows. */
const BATCH_ROWS = 5;

interface ReferenceIndex {
  readonly pooling: string;
  readonly hiddenSize: number;
  readonly file: string;
  readonly rows: readonly { readonly ids: readonly number[]; readonly offset: number }[];
}

describe('reference embeddings (real-architecture fixtures, PyTorch one at a time)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-fixture-bundle-'));
    for (const name of await readdir(MODELS)) {
      if (name.endsWith('.onnx') || name.endsWith('.json')) await copyFile(path.join(MODELS, name), path.join(dir, name));
    }
    await copyFile(TOKENIZER, path.join(dir, 'tokenizer.json'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['manifest-500.json', 'dna'],
    ['manifest-500.json', 'protein'],
    ['manifest-500-pooled.json', 'dna'],
    ['manifest-500-pooled.json', 'protein'],
  ] as const)('%s %s: padded batches of mixed lengths agree within 1e-5', async (manifest, key) => {
    const bundle = await loadBundle(path.join(dir, manifest));
    const index = JSON.parse(await readFile(path.join(REFERENCE, `${key}_embeddings.json`), 'utf8')) as ReferenceIndex;
    const bytes = await readFile(path.join(REFERENCE, index.file));
    const reference = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    expect([bundle[key].pooling, bundle[key].hiddenSize]).toEqual([index.pooling, index.hiddenSize]);

    // Interleave the shortest and longest rows left, so that every batch pads short rows to a long one.
    const byLength = index.rows.map((_, i) => i).sort((a, b) => index.rows[a]!.ids.length - index.rows[b]!.ids.length);
    const order: number[] = [];
    for (let lo = 0, hi = byLength.length - 1; lo <= hi; lo++, hi--)
      order.push(...(lo === hi ? [byLength[lo]!] : [byLength[lo]!, byLength[hi]!]));

    const pool = await startInferencePool(bundle[key], { workers: 2, intraOpNumThreads: 1 });
    try {
      const hidden = index.hiddenSize;
      let worst = 0;
      const batches: number[][] = [];
      for (let start = 0; start < order.length; start += BATCH_ROWS) batches.push(order.slice(start, start + BATCH_ROWS));
      const results = await Promise.all(
        batches.map((rows) =>
          pool.run(
            padTokenRows(
              rows.map((r) => index.rows[r]!.ids),
              PAD_IDS[key],
            ),
          ),
        ),
      );
      results.forEach((result, b) => {
        batches[b]!.forEach((r, i) => {
          const expected = reference.subarray(index.rows[r]!.offset, index.rows[r]!.offset + hidden);
          worst = Math.max(worst, maxAbsDiff(result.data.subarray(i * hidden, (i + 1) * hidden), expected));
        });
      });
      console.log(
        `[info] ${manifest} ${key}: ${order.length} rows in ${batches.length} padded batches, max |diff| ${worst.toExponential(2)}`,
      );
      expect(worst).toBeLessThanOrEqual(TOLERANCE);
    } finally {
      await pool.close();
    }
  });
});
