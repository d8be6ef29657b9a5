import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { Observable, map, of, type OperatorFunction } from 'rxjs';
import { classifyFrames } from '../../operators/classifyFrames.js';
import type { DnaEmbedded, ProteinEmbedded } from '../../operators/embedFrames.js';
import { Credit, type Leased } from '../../src/flow/credit.js';
import { consumeBatches } from '../../src/flow/sink.js';
import type { FeatureBatch } from '../../src/model/batches.js';
import { CLASSIFIER_W12 } from '../model/support/fixtureModels.js';
import { prng } from '../../bench/support/syntheticFasta.js';
import { startInferencePool, type InferencePool } from '../../src/model/inferencePool.js';
import type { Classified, ClassifiedFrames, EmbeddedFrames } from '../../src/classify/classification.js';
import { frameId, type FrameBatch } from '../../src/sequence/frameBatch.js';
import { eventually, osThreads } from '../sequence/helpers.js';
import {
  SCORE_TOLERANCE as TOLERANCE,
  fixtureClassifier,
  fixtureEmbedded,
  isNearTie,
  referenceFrames,
} from '../pipeline/support/pipelineFixture.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Collected {
  ids: string[];
  score1: number[];
  score2: number[];
  batches: number;
}

async function collect(source: Observable<ClassifiedFrames & Leased>, onBatch?: () => Promise<void> | void): Promise<Collected> {
  const out: Collected = { ids: [], score1: [], score2: [], batches: 0 };
  await consumeBatches(source, async (batch) => {
    out.batches += 1;
    expect(batch).not.toHaveProperty('dnaEmbeddings');
    expect(batch).not.toHaveProperty('proteinEmbeddings');
    for (let i = 0; i < batch.count; i++) {
      out.ids.push(frameId(batch, i));
      out.score1.push(batch.score1[i]!);
      out.score2.push(batch.score2[i]!);
    }
    await onBatch?.();
  });
  return out;
}

describe('classifyFrames', () => {
  for (const chunkLength of [300, 500] as const) {
    it(`gives PyTorch's scores and labels for every fixture frame at chunk length ${chunkLength} (|diff| <= ${TOLERANCE})`, async () => {
      const reference = referenceFrames(chunkLength);
      const got = await collect(fixtureEmbedded(chunkLength).pipe(classifyFrames({ model: fixtureClassifier(chunkLength) })));
      expect(got.ids).toEqual(reference.map((frame) => frame.id));
      let worst = 0;
      reference.forEach((frame, i) => {
        worst = Math.max(worst, Math.abs(got.score1[i]! - frame.scores[0]!), Math.abs(got.score2[i]! - frame.scores[1]!));
      });
      expect(worst).toBeLessThanOrEqual(TOLERANCE);
      const labels = got.ids.map((_, i) => (got.score2[i]! > got.score1[i]! ? 'virus' : 'others'));
      const decided = reference.flatMap((frame, i) => (isNearTie(frame.scores[0]!, frame.scores[1]!) ? [] : [i]));
      expect(decided.map((i) => labels[i])).toEqual(decided.map((i) => reference[i]!.prediction));
      // At most the one median case (at 300, twelve G/C-repeat frames with identical features share it).
      const ties = reference.filter((frame) => isNearTie(frame.scores[0]!, frame.scores[1]!));
      expect(new Set(ties.map((frame) => frame.logits.join())).size).toBeLessThanOrEqual(1);
      expect(labels).toContain('virus');
      expect(labels).toContain('others');
    });
  }

  describe('on a shared pool', () => {
    let pool: InferencePool<FeatureBatch>;
    beforeAll(async () => {
      pool = await startInferencePool(fixtureClassifier(500), { workers: 2, intraOpNumThreads: 1 });
    });
    afterAll(() => pool.close());

    it('keeps frame order across tiny batches and requests, several in flight, within the credit behind a slow consumer', async () => {
      const reference = referenceFrames(500);
      const capacity = 6_000;
      const credit = new Credit(capacity);
      // 2 records a batch, 1 chunk a part, 3 frames a request: many batches, parts and requests, all reordered.
      const source = fixtureEmbedded(500, { credit, batchRecords: 2 }, 1).pipe(classifyFrames({ pool, batchRows: 3 }));
      const got = await collect(source, async () => {
        expect(credit.used).toBeLessThanOrEqual(capacity);
        await delay(1);
      });
      expect(got.batches).toBeGreaterThan(40);
      expect(got.ids).toEqual(reference.map((frame) => frame.id));
      reference.forEach((frame, i) => expect(Math.abs(got.score2[i]! - frame.scores[1]!)).toBeLessThanOrEqual(TOLERANCE));
      expect(credit.peak).toBeLessThanOrEqual(capacity);
      expect(credit.used).toBe(0);
      expect(pool.broken).toBeUndefined();
    });

    it('passes a batch without frames through at once, with its lease', async () => {
      const credit = new Credit(10);
      const lease = credit.tryAcquire(1)!;
      const empty = emptyEmbedded(lease);
      let seen = 0;
      await consumeBatches(
        new Observable<EmbeddedFrames & Leased>((s) => {
          s.next(empty);
          s.complete();
        }).pipe(classifyFrames({ pool })),
        (batch) => {
          seen += 1;
          expect(batch.count).toBe(0);
          expect(batch.score1).toHaveLength(0);
          expect(batch.lease).toBe(lease);
        },
      );
      expect(seen).toBe(1);
      expect(credit.used).toBe(0);
    });

    it('errors with the signal reason when aborted', async () => {
      const stop = new AbortController();
      const run = consumeBatches(fixtureEmbedded(500, { batchRecords: 2 }).pipe(classifyFrames({ pool, signal: stop.signal })), () => {
        stop.abort(new Error('user stop'));
      });
      await expect(run).rejects.toThrow('user stop');
      expect(pool.broken).toBeUndefined();
    });

    it('refuses embeddings that do not add up to the classifier width (BUNDLE_MISMATCH)', async () => {
      const narrow = fixtureEmbedded(500).pipe(
        map((batch) => ({ ...batch, proteinHidden: 32, proteinEmbeddings: batch.proteinEmbeddings.subarray(0, batch.count * 32) })),
      );
      await expect(consumeBatches(narrow.pipe(classifyFrames({ pool })), () => undefined)).rejects.toMatchObject({
        code: 'BUNDLE_MISMATCH',
      });
    });
  });

  const itLinux = osThreads() === undefined ? it.skip : it;
  itLinux('starts its own pool only on subscribe, and stops it at the end', async () => {
    const before = osThreads()!;
    const classified = fixtureEmbedded(500).pipe(
      classifyFrames({ model: fixtureClassifier(500), poolOptions: { workers: 1, intraOpNumThreads: 1 } }),
    );
    await delay(30);
    // No thread started before subscribe; threads of earlier tests' pools may still be exiting (seen: 14 -> 12).
    expect(osThreads()).toBeLessThanOrEqual(before);
    const got = await collect(classified);
    expect(got.ids.length).toBe(referenceFrames(500).length);
    await eventually(() => osThreads()! <= before);
  });

  it('errors the stream when its model cannot be loaded, even before any batch', async () => {
    const missing = { ...fixtureClassifier(500), file: '/nonexistent/classifier.onnx' };
    const never = new Observable<EmbeddedFrames & Leased>(() => undefined);
    await expect(consumeBatches(never.pipe(classifyFrames({ model: missing })), () => undefined)).rejects.toMatchObject({
      code: 'MODEL_LOAD',
    });
  });

  it('validates its options at once, naming them', () => {
    const model = fixtureClassifier(500);
    expect(() => classifyFrames({})).toThrow(/exactly one of options\.pool and options\.model/);
    expect(() => classifyFrames({ model, batchRows: 0 })).toThrow(/options\.batchRows must be an integer >= 1/);
    expect(() => classifyFrames({ model, maxInFlight: 1.5 })).toThrow(/options\.maxInFlight must be an integer >= 1/);
    expect(() => classifyFrames({ model: { ...model, kind: 'embedding' } as never })).toThrow(/must be a classifier model/);
    expect(() => classifyFrames({ pool: {} as InferencePool<FeatureBatch> })).toThrow(/options\.pool must be an InferencePool/);
  });

  it('has typed signatures: the embedding operators feed it, extra fields pass, embeddings do not', () => {
    type Embedded = ProteinEmbedded<DnaEmbedded<FrameBatch & Leased>>;
    expectTypeOf<Embedded>().toMatchTypeOf<EmbeddedFrames & Leased>();
    const op = classifyFrames<Embedded & { readonly tag: string }>({ model: fixtureClassifier(500) });
    type Out = typeof op extends OperatorFunction<never, infer O> ? O : never;
    expectTypeOf<Out['tag']>().toEqualTypeOf<string>();
    expectTypeOf<Out['score1']>().toEqualTypeOf<Float32Array>();
    expectTypeOf<Out>().toMatchTypeOf<ClassifiedFrames & Leased>();
    expectTypeOf<Classified<Embedded>>().not.toHaveProperty('dnaEmbeddings');
    // @ts-expect-error frames without embeddings cannot be classified
    classifyFrames<FrameBatch & Leased>({ model: fixtureClassifier(500) });
  });
});

describe("classifyFrames: the feature row is the encoders' embeddings in the order given", () => {
  // One Linear 12 -> 2, so a feature row's values all matter and their order does too.
  const model = CLASSIFIER_W12;
  const FRAMES = 9;
  const random = prng(7);
  const matrix = (hidden: number): Float32Array => Float32Array.from({ length: FRAMES * hidden }, () => random() * 2 - 1);
  const columns = (values: Float32Array, hidden: number, from: number, to: number): Float32Array =>
    Float32Array.from({ length: FRAMES * (to - from) }, (_, k) => values[Math.floor(k / (to - from)) * hidden + from + (k % (to - from))]!);
  const dna = matrix(6);
  const protein = matrix(6);
  const frames = (fields: Record<string, unknown>): EmbeddedFrames & Leased =>
    ({ ...emptyEmbedded(new Credit(1).tryAcquire(1)!), ...frameFields(FRAMES), ...fields }) as EmbeddedFrames & Leased;
  const scores = async (batch: EmbeddedFrames & Leased, features?: readonly string[]): Promise<Collected> =>
    collect(of(batch).pipe(classifyFrames({ model, ...(features ? { features } : {}) })));

  it('a third encoder: [dna | protein | third] with the protein columns split gives the two-encoder scores, its fields dropped', async () => {
    const two = await scores(frames({ dnaEmbeddings: dna, dnaHidden: 6, proteinEmbeddings: protein, proteinHidden: 6 }));
    const split = frames({
      dnaEmbeddings: dna,
      dnaHidden: 6,
      proteinEmbeddings: columns(protein, 6, 0, 4),
      proteinHidden: 4,
      thirdEmbeddings: columns(protein, 6, 4, 6),
      thirdHidden: 2,
    });
    const three = await consumeFirst(of(split).pipe(classifyFrames({ model, features: ['dna', 'protein', 'third'] })));
    expect(three).not.toHaveProperty('thirdEmbeddings');
    expect(three).not.toHaveProperty('thirdHidden');
    expect([...three.score1]).toEqual(two.score1);
    expect([...three.score2]).toEqual(two.score2);
    expect(new Set(two.score2).size).toBe(FRAMES); // the scores differ from frame to frame: the rows were really read
  });

  it("the order is the list's: [protein | dna] with the matrices swapped gives the same scores, and a different order others", async () => {
    const straight = await scores(frames({ dnaEmbeddings: dna, dnaHidden: 6, proteinEmbeddings: protein, proteinHidden: 6 }));
    const swapped = frames({ dnaEmbeddings: protein, dnaHidden: 6, proteinEmbeddings: dna, proteinHidden: 6 });
    expect(await scores(swapped, ['protein', 'dna'])).toEqual(straight);
    expect((await scores(swapped)).score2).not.toEqual(straight.score2);
  });

  it('refuses embeddings that do not add up to the classifier, and an encoder whose embeddings are missing', async () => {
    const short = frames({ dnaEmbeddings: dna, dnaHidden: 6, proteinEmbeddings: columns(protein, 6, 0, 4), proteinHidden: 4 });
    await expect(scores(short)).rejects.toMatchObject({
      code: 'BUNDLE_MISMATCH',
      message: /takes 12 features, but the embeddings give 6 \(DNA\) \+ 4 \(protein\) = 10/,
    });
    const full = frames({ dnaEmbeddings: dna, dnaHidden: 6, proteinEmbeddings: protein, proteinHidden: 6 });
    await expect(scores(full, ['dna', 'protein', 'third'])).rejects.toMatchObject({
      code: 'INTERNAL',
      message: /without the third embeddings/,
    });
    expect(() => classifyFrames({ model, features: [] })).toThrow(/options\.features must be a non-empty list/);
  });
});

async function consumeFirst(source: Observable<ClassifiedFrames & Leased>): Promise<ClassifiedFrames & Leased> {
  let first: (ClassifiedFrames & Leased) | undefined;
  await consumeBatches(source, (batch) => void (first ??= batch));
  return first!;
}

/** The frame fields of `count` frames (ids r0, r1, …); what classifyFrames passes on untouched. */
function frameFields(count: number): Partial<FrameBatch> {
  const index = Uint32Array.from({ length: count }, (_, i) => i);
  return {
    count,
    chunk: index,
    frame: new Uint8Array(count),
    chunks: {
      ids: Array.from({ length: count }, (_, i) => `r${i}`),
      recordIndex: index,
      chunkNumber: new Uint32Array(count).fill(1),
      chunkLength: 500,
      source: 'test',
    },
  };
}

function emptyEmbedded(lease: Leased['lease']): EmbeddedFrames & Leased {
  const none = new Uint32Array(0);
  return {
    count: 0,
    chunk: none,
    frame: new Uint8Array(0),
    nucleotides: new Uint8Array(0),
    nucleotideStarts: new Uint32Array(1),
    proteins: new Uint8Array(0),
    proteinStarts: new Uint32Array(1),
    chunks: { ids: [], recordIndex: none, chunkNumber: none, chunkLength: 500, source: 'test' },
    dnaEmbeddings: new Float32Array(0),
    dnaHidden: 48,
    proteinEmbeddings: new Float32Array(0),
    proteinHidden: 64,
    lease,
  };
}
