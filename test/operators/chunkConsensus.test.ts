import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { Observable, type OperatorFunction } from 'rxjs';
import { chunkConsensus } from '../../operators/chunkConsensus.js';
import { classifyFrames } from '../../operators/classifyFrames.js';
import { Credit, type Lease, type Leased } from '../../src/flow/credit.js';
import { consumeBatches } from '../../src/flow/sink.js';
import type { FeatureBatch } from '../../src/model/batches.js';
import { startInferencePool, type InferencePool } from '../../src/model/inferencePool.js';
import type { ClassifiedFrames } from '../../src/classify/classification.js';
import { isViralChunk, type ConsensusRows } from '../../src/classify/consensus.js';
import { chunkId } from '../../src/sequence/chunkBatch.js';
import { fixtureClassifier, fixtureEmbedded, isNearTie, referenceOutput } from '../pipeline/support/pipelineFixture.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A classified batch by hand: `frames` lists (chunk index, score1, score2) in frame order. */
function classified(frames: readonly (readonly [number, number, number])[], lease: Lease, chunkCount = 4): ClassifiedFrames & Leased {
  const n = frames.length;
  return {
    count: n,
    chunk: Uint32Array.from(frames, ([c]) => c),
    frame: Uint8Array.from(frames, (_, i) => i % 6),
    nucleotides: new Uint8Array(0),
    nucleotideStarts: new Uint32Array(n + 1),
    proteins: new Uint8Array(0),
    proteinStarts: new Uint32Array(n + 1),
    chunks: {
      ids: ['a', 'b'],
      recordIndex: Uint32Array.from({ length: chunkCount }, (_, i) => (i < 2 ? 0 : 1)),
      chunkNumber: Uint32Array.from({ length: chunkCount }, (_, i) => (i % 2) + 1),
      chunkLength: 300,
      source: 'test',
    },
    score1: Float32Array.from(frames, ([, s1]) => s1),
    score2: Float32Array.from(frames, ([, , s2]) => s2),
    lease,
  };
}

function emit<T>(items: readonly T[], subscribed?: () => void): Observable<T> {
  return new Observable<T>((subscriber) => {
    subscribed?.();
    for (const item of items) subscriber.next(item);
    subscriber.complete();
  });
}

describe('chunkConsensus', () => {
  it('takes max score1 and max score2 per chunk, a tie is viral, chunks without frames give no row', async () => {
    const credit = new Credit(10);
    // chunk 0: two frames, maxima from different frames (0.7 / 0.6): not viral. chunk 1: none kept.
    // chunk 2: exact tie of the maxima (0.5 / 0.5): viral. chunk 3: one frame, viral.
    const batch = classified(
      [
        [0, 0.7, 0.3],
        [0, 0.4, 0.6],
        [2, 0.5, 0.5],
        [2, 0.2, 0.5],
        [3, 0.1, 0.9],
      ],
      credit.tryAcquire(1)!,
    );
    const rows: { id: string; max1: number; max2: number; viral: boolean; frames: [number, number] }[] = [];
    await consumeBatches(emit([batch]).pipe(chunkConsensus()), (out) => {
      const c = out.consensus;
      for (let k = 0; k < c.count; k++) {
        rows.push({
          id: chunkId(out.chunks, c.chunk[k]!),
          max1: c.maxScore1[k]!,
          max2: c.maxScore2[k]!,
          viral: isViralChunk(c.maxScore1[k]!, c.maxScore2[k]!),
          frames: [c.frameStarts[k]!, c.frameStarts[k + 1]!],
        });
      }
    });
    expect(rows).toEqual([
      { id: 'a_chunk_1', max1: Math.fround(0.7), max2: Math.fround(0.6), viral: false, frames: [0, 2] },
      { id: 'b_chunk_1', max1: 0.5, max2: 0.5, viral: true, frames: [2, 4] },
      { id: 'b_chunk_2', max1: Math.fround(0.1), max2: Math.fround(0.9), viral: true, frames: [4, 5] },
    ]);
    expect(credit.used).toBe(0);
  });

  it('gives a zero-row table for a batch without frames, and passes it on with its lease', async () => {
    const credit = new Credit(10);
    const lease = credit.tryAcquire(1)!;
    let seen = 0;
    await consumeBatches(emit([classified([], lease)]).pipe(chunkConsensus()), (out) => {
      seen += 1;
      expect(out.consensus.count).toBe(0);
      expect(Array.from(out.consensus.frameStarts)).toEqual([0]);
      expect(out.lease).toBe(lease);
    });
    expect(seen).toBe(1);
  });

  it('subscribes to nothing before it is subscribed, and keeps batch order within the credit behind a slow consumer', async () => {
    let subscribed = 0;
    const capacity = 3;
    const credit = new Credit(capacity);
    const source = new Observable<ClassifiedFrames & Leased>((subscriber) => {
      subscribed += 1;
      void (async () => {
        for (let i = 0; i < 12; i++) subscriber.next(classified([[i % 4, 0.2, 0.8]], await credit.acquire(1)));
        subscriber.complete();
      })();
    });
    const consensus = source.pipe(chunkConsensus());
    await delay(5);
    expect(subscribed).toBe(0);
    const order: number[] = [];
    await consumeBatches(consensus, async (out) => {
      expect(credit.used).toBeLessThanOrEqual(capacity);
      order.push(out.consensus.chunk[0]!);
      await delay(2);
    });
    expect(order).toEqual(Array.from({ length: 12 }, (_, i) => i % 4));
    expect(credit.peak).toBe(capacity);
  });

  it('refuses frames that are not in chunk order (a chunk split across its frames is an INTERNAL error)', async () => {
    const credit = new Credit(10);
    const run = consumeBatches(
      emit([
        classified(
          [
            [2, 0.5, 0.5],
            [0, 0.5, 0.5],
          ],
          credit.tryAcquire(1)!,
        ),
      ]).pipe(chunkConsensus()),
      () => undefined,
    );
    await expect(run).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(credit.used).toBe(0);
  });

  it('errors with the signal reason when aborted', async () => {
    const stop = new AbortController();
    stop.abort(new Error('user stop'));
    const credit = new Credit(10);
    await expect(
      consumeBatches(
        emit([classified([[0, 0.5, 0.5]], credit.tryAcquire(1)!)]).pipe(chunkConsensus({ signal: stop.signal })),
        () => undefined,
      ),
    ).rejects.toThrow('user stop');
    expect(credit.used).toBe(0);
  });

  describe('after classifyFrames on the fixture', () => {
    let pool: InferencePool<FeatureBatch>;
    beforeAll(async () => {
      pool = await startInferencePool(fixtureClassifier(500), { workers: 1, intraOpNumThreads: 1 });
    });
    afterAll(() => pool.close());

    it("gives the original's Is_Virus for every chunk with kept frames (near ties aside)", async () => {
      const reference = new Map(
        referenceOutput(500, 'prediction_results_highestscore.csv')
          .trim()
          .split('\n')
          .slice(1)
          .map((line) => line.split('\t') as [string, string]),
      );
      const calls = new Map<string, { viral: boolean; tie: boolean }>();
      await consumeBatches(fixtureEmbedded(500, { batchRecords: 3 }).pipe(classifyFrames({ pool }), chunkConsensus()), (out) => {
        const c = out.consensus;
        for (let k = 0; k < c.count; k++) {
          const id = chunkId(out.chunks, c.chunk[k]!);
          expect(calls.has(id)).toBe(false);
          calls.set(id, { viral: isViralChunk(c.maxScore1[k]!, c.maxScore2[k]!), tie: isNearTie(c.maxScore1[k]!, c.maxScore2[k]!) });
        }
      });
      expect([...calls.keys()].sort()).toEqual([...reference.keys()]);
      const decided = [...calls].filter(([, call]) => !call.tie);
      expect(calls.size - decided.length).toBeLessThanOrEqual(1);
      for (const [id, call] of decided) expect(`${id}\t${call.viral ? 'True' : 'False'}`).toBe(`${id}\t${reference.get(id)}`);
    });
  });

  it('has typed signatures: classified batches in, the same batches plus consensus out', () => {
    expectTypeOf(chunkConsensus<ClassifiedFrames & Leased>()).toEqualTypeOf<
      OperatorFunction<ClassifiedFrames & Leased, ClassifiedFrames & Leased & ConsensusRows>
    >();
    // @ts-expect-error consensus needs scores
    chunkConsensus<Leased>();
    expect(() => chunkConsensus({ signal: 'no' as never })).toThrow(/options\.signal must be an AbortSignal/);
  });
});
