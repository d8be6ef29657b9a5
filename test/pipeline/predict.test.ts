import { createHash } from 'node:crypto';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { Observable } from 'rxjs';
import { Credit } from '../../src/flow/credit.js';
import { consumeBatches } from '../../src/flow/sink.js';
import { loadBundle, type ModelBundle } from '../../src/model/bundle.js';
import { framePrediction } from '../../src/classify/classification.js';
import { isViralChunk } from '../../src/classify/consensus.js';
import type { InputCheckpoint } from '../../src/fasta/inputCheckpoint.js';
import { predict, type PredictOptions, type PredictionBatch } from '../../src/pipeline/predict.js';
import { PredictStats } from '../../src/pipeline/predictStats.js';
import { bundleIdentity } from '../../src/pipeline/runIdentity.js';
import { chunkId } from '../../src/sequence/chunkBatch.js';
import { frameId } from '../../src/sequence/frameBatch.js';
import { describeShared, sharedPath } from '../support/shared.js';
import { eventually, osThreads } from '../sequence/helpers.js';
import {
  MODELS_DIR,
  READS,
  SCORE_TOLERANCE,
  isNearTie,
  referenceFrames,
  referenceOutput,
  type FixtureChunkLength,
} from './support/pipelineFixture.js';
import { writeTinyBundle } from '../../bench/support/tinyBundle.js';
import { syntheticReads } from '../../bench/support/syntheticReads.js';

interface Rows {
  frames: { id: string; score1: number; score2: number }[];
  chunks: { id: string; max1: number; max2: number }[];
  checkpoints: InputCheckpoint[];
  batches: number;
}

async function collect(results: Observable<PredictionBatch>): Promise<Rows> {
  const rows: Rows = { frames: [], chunks: [], checkpoints: [], batches: 0 };
  await consumeBatches(results, (batch) => {
    rows.batches += 1;
    for (let i = 0; i < batch.count; i++) rows.frames.push({ id: frameId(batch, i), score1: batch.score1[i]!, score2: batch.score2[i]! });
    const c = batch.consensus;
    for (let k = 0; k < c.count; k++)
      rows.chunks.push({ id: chunkId(batch.chunks, c.chunk[k]!), max1: c.maxScore1[k]!, max2: c.maxScore2[k]! });
    if (batch.checkpoint) rows.checkpoints.push(batch.checkpoint);
  });
  return rows;
}

let dir: string;
let tiny: string;
let reads: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-predict-'));
  tiny = await writeTinyBundle(path.join(dir, 'tiny'));
  reads = path.join(dir, 'reads.fa');
  await writeFile(reads, syntheticReads(600, 3));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Small input batches, so that 600 reads make many batches, checkpoints and packs. */
const SMALL: Partial<PredictOptions> = { batchBases: 16 * 1024, threads: 2 };

describeShared('predict on the fixture models (real architectures) against the PyTorch whole-pipeline reference', () => {
  const bundles = new Map<FixtureChunkLength, ModelBundle>();
  beforeAll(async () => {
    // The manifests name the real DNABERT-S tokenizer, which lives only in ../shared (test/fixtures/models/README.md).
    const bundleDir = path.join(dir, 'fixture-bundle');
    await mkdir(bundleDir);
    await copyFile(sharedPath('models', 'dnabert-s', 'tokenizer.json'), path.join(bundleDir, 'tokenizer.json'));
    for (const file of [
      'dnabert_s.onnx',
      'esm2.onnx',
      'classifier_300.onnx',
      'classifier_500.onnx',
      'manifest-300.json',
      'manifest-500.json',
    ]) {
      await copyFile(path.join(MODELS_DIR, file), path.join(bundleDir, file));
    }
    for (const chunkLength of [300, 500] as const)
      bundles.set(chunkLength, await loadBundle(path.join(bundleDir, `manifest-${chunkLength}.json`)));
  });

  for (const chunkLength of [300, 500] as const) {
    it(`chunk length ${chunkLength}: same frames, scores within ${SCORE_TOLERANCE}, same labels and consensus (near ties aside)`, async () => {
      const got = await collect(predict(READS, { bundle: bundles.get(chunkLength)!, threads: 2 }));
      const reference = referenceFrames(chunkLength);
      expect(got.frames.map((f) => f.id)).toEqual(reference.map((f) => f.id));
      let worst = 0;
      got.frames.forEach((frame, i) => {
        const [s1, s2] = reference[i]!.scores as [number, number];
        worst = Math.max(worst, Math.abs(frame.score1 - s1), Math.abs(frame.score2 - s2));
        if (!isNearTie(s1, s2))
          expect(`${frame.id} ${framePrediction(frame.score1, frame.score2)}`).toBe(`${frame.id} ${reference[i]!.prediction}`);
      });
      expect(worst).toBeLessThanOrEqual(SCORE_TOLERANCE);
      const calls = new Map(
        referenceOutput(chunkLength, 'prediction_results_highestscore.csv')
          .trim()
          .split('\n')
          .slice(1)
          .map((line) => line.split('\t') as [string, string]),
      );
      expect(got.chunks.map((c) => c.id).sort()).toEqual([...calls.keys()]);
      for (const chunk of got.chunks) {
        if (!isNearTie(chunk.max1, chunk.max2))
          expect(`${chunk.id} ${isViralChunk(chunk.max1, chunk.max2) ? 'True' : 'False'}`).toBe(`${chunk.id} ${calls.get(chunk.id)}`);
      }
      expect(got.checkpoints.at(-1)?.records).toBe(37);
    });
  }
});

describe('predict', () => {
  it('gives the same bytes on every run, whatever the thread split (packing never depends on timing)', async () => {
    const a = await collect(predict(reads, { bundle: tiny, ...SMALL }));
    const b = await collect(predict(reads, { bundle: tiny, ...SMALL, threads: 1, creditUnits: 20_000 }));
    expect(a.frames.length).toBeGreaterThan(1000);
    expect(b).toEqual(a);
  });

  it('counts what it emits, and marks each completed input batch with the records so far and their fingerprint', async () => {
    const stats = new PredictStats();
    const got = await collect(predict(reads, { bundle: tiny, ...SMALL, stats }));
    expect(stats.frames).toBe(got.frames.length);
    expect(stats.chunksWithKeptFrames).toBe(got.chunks.length);
    expect(stats.records).toBe(600);
    expect(stats.fasta.records).toBe(600);
    expect(stats.chunks).toBeGreaterThan(stats.chunksWithKeptFrames);
    expect(got.checkpoints.length).toBeGreaterThan(10);
    expect(got.checkpoints.map((c) => c.records)).toEqual([...got.checkpoints.map((c) => c.records)].sort((x, y) => x - y));
    expect(got.checkpoints.at(-1)!.records).toBe(600);
    expect(new Set(got.checkpoints.map((c) => c.fingerprint)).size).toBe(got.checkpoints.length);
    for (const stage of ['translate', 'embed-dna', 'embed-protein', 'classify'] as const)
      expect(stats.stages[stage].rows).toBe(got.frames.length);
    expect(stats.stages.read.rows).toBe(600);
    expect(stats.dnaPacking.rows).toBe(got.frames.length);
    expect(stats.proteinPacking.rows).toBe(got.frames.length);
  });

  it('resumes from a checkpoint: skips those records (checking their fingerprint) and gives exactly the rest', async () => {
    const whole = await collect(predict(reads, { bundle: tiny, ...SMALL }));
    const from = whole.checkpoints[Math.floor(whole.checkpoints.length / 2)]!;
    const stats = new PredictStats();
    const rest = await collect(predict(reads, { bundle: tiny, ...SMALL, resumeFrom: from, stats }));
    const firstRest = whole.frames.findIndex((f) => Number(/^s(\d+)_/.exec(f.id)![1]) >= from.records);
    expect(rest.frames).toEqual(whole.frames.slice(firstRest));
    expect(stats.resumedRecords).toBe(from.records);
    expect(rest.checkpoints.at(-1)).toEqual(whole.checkpoints.at(-1));

    await expect(
      collect(predict(reads, { bundle: tiny, ...SMALL, resumeFrom: { ...from, fingerprint: '0'.repeat(64) } })),
    ).rejects.toMatchObject({ code: 'RESUME_MISMATCH', exitCode: 6 });
    await expect(
      collect(predict(reads, { bundle: tiny, ...SMALL, resumeFrom: { records: 601, fingerprint: from.fingerprint } })),
    ).rejects.toThrow(/has 600 records, but the interrupted run had already processed 601/);
  });

  it('reads a stream, and ends without rows (but with a checkpoint) when no frame is kept', async () => {
    // All N: every codon is ambiguous, so every frame's protein is empty and none is kept.
    const unknown = Array.from({ length: 5 }, (_, i) => `>n${i}\n${'N'.repeat(700)}\n`).join('');
    const got = await collect(predict(Readable.from([Buffer.from(unknown)]), { bundle: tiny, name: 'unknown' }));
    expect(got.frames).toEqual([]);
    expect(got.checkpoints.at(-1)?.records).toBe(5);
    const none = await collect(predict(Readable.from([Buffer.alloc(0)]), { bundle: tiny }));
    expect(none).toEqual({ frames: [], chunks: [], checkpoints: [], batches: 0 });
  });

  it('keeps memory within the credit behind a slow consumer', async () => {
    const credit = new Credit(40_000);
    await consumeBatches(predict(reads, { bundle: tiny, ...SMALL, credit }), async () => {
      expect(credit.used).toBeLessThanOrEqual(40_000);
      await new Promise((resolve) => setTimeout(resolve, 2));
    });
    expect(credit.peak).toBeLessThanOrEqual(40_000);
    expect(credit.used).toBe(0);
  });

  const itLinux = osThreads() === undefined ? it.skip : it;
  itLinux('loads nothing before subscribe and stops its model threads at the end', async () => {
    await new Promise((resolve) => setTimeout(resolve, 200)); // threads of earlier tests wind down
    const before = osThreads()!;
    const results = predict(reads, { bundle: tiny, ...SMALL });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(osThreads()).toBeLessThanOrEqual(before);
    await collect(results);
    await eventually(() => osThreads()! <= before, 10_000);
  });

  it('reads the bundle once: a loaded bundle runs with its manifest and tokenizer gone, and identifies by the bytes it read', async () => {
    const copy = path.join(dir, 'read-once');
    await cp(tiny, copy, { recursive: true });
    const manifestSha256 = createHash('sha256')
      .update(await readFile(path.join(copy, 'manifest.json')))
      .digest('hex');
    const bundle = await loadBundle(copy);
    expect(bundle.manifestSha256).toBe(manifestSha256);
    const expected = await collect(predict(reads, { bundle: tiny, ...SMALL }));
    // Neither file is opened again: not by the models' start (tokenizers), not by the run's identity (the manifest).
    await rm(path.join(copy, 'manifest.json'));
    await rm(path.join(copy, 'tokenizer.json'));
    expect(await collect(predict(reads, { bundle, ...SMALL }))).toEqual(expected);
    expect((await bundleIdentity(bundle)).manifestSha256).toBe(manifestSha256);
  });

  it('refuses a chunk length the bundle was not trained for unless forced', async () => {
    const bundle = await loadBundle(tiny);
    await expect(collect(predict(reads, { bundle, chunkLength: 300 }))).rejects.toMatchObject({ code: 'BUNDLE_MISMATCH', exitCode: 4 });
    await expect(collect(predict(reads, { bundle: tiny, chunkLength: 300 }))).rejects.toMatchObject({ code: 'BUNDLE_MISMATCH' });
    // A bundle given loaded and one given as a path are refused alike: one decision, one message.
    const given = await collect(predict(reads, { bundle, chunkLength: 300 })).catch((error: unknown) => error);
    const loaded = await collect(predict(reads, { bundle: tiny, chunkLength: 300 })).catch((error: unknown) => error);
    expect((given as Error).message).toBe((loaded as Error).message);
    expect((given as Error).message).toMatch(/this bundle's classifier was trained on 500-bp chunks, but the run uses 300/);
    const forced = await collect(predict(reads, { bundle, chunkLength: 300, force: true, ...SMALL }));
    expect(forced.frames.some((f) => f.id.includes('_chunk_3'))).toBe(true);
  });

  it('errors with the signal reason when aborted', async () => {
    const stop = new AbortController();
    await expect(
      consumeBatches(predict(reads, { bundle: tiny, ...SMALL, signal: stop.signal }), () => stop.abort(new Error('user stop'))),
    ).rejects.toThrow('user stop');
  });

  it('validates its options at once, naming them, and has typed signatures', () => {
    expect(() => predict(reads, {} as PredictOptions)).toThrow(/options\.bundle must be a ModelBundle/);
    expect(() => predict(reads, { bundle: tiny, chunkLength: 400 as 300 })).toThrow(/options\.chunkLength must be 300 or 500/);
    expect(() => predict(reads, { bundle: tiny, threads: 0 })).toThrow(/options\.threads must be an integer >= 1/);
    expect(() => predict(reads, { bundle: tiny, tokenBudget: -1 })).toThrow(/tokenBudget/);
    expect(() => predict(reads, { bundle: tiny, stats: {} as PredictStats })).toThrow(/options\.stats must be a PredictStats/);
    expectTypeOf(predict).returns.toEqualTypeOf<Observable<PredictionBatch>>();
    expectTypeOf<PredictionBatch['checkpoint']>().toEqualTypeOf<InputCheckpoint | undefined>();
    expectTypeOf<PredictionBatch['consensus']['maxScore2']>().toEqualTypeOf<Float32Array>();
    // @ts-expect-error the bundle is required
    expect(() => predict(reads, { chunkLength: 500 })).toThrow();
  });
});
