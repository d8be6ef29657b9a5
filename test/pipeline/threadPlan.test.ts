import { describe, expect, it } from 'vitest';
import { DNA_THREAD_SHARE, planThreads } from '../../src/pipeline/threadPlan.js';

describe('planThreads', () => {
  it.each([1, 2, 4, 8, 16, 64, 128])('on the CPU never gives the encoders more intra-op threads than the budget (%i)', (threads) => {
    const plan = planThreads({ threads });
    const encoders = plan.dna.workers * plan.dna.intraOpNumThreads + plan.protein.workers * plan.protein.intraOpNumThreads;
    expect(encoders).toBeLessThanOrEqual(Math.max(2, threads));
    expect(plan.dna.intraOpNumThreads).toBeGreaterThanOrEqual(1);
    expect(plan.protein.intraOpNumThreads).toBeGreaterThanOrEqual(plan.dna.intraOpNumThreads);
    expect(plan.classifier).toEqual({ workers: 1, intraOpNumThreads: 1 });
    expect(plan.translate).toBeGreaterThanOrEqual(1);
    expect(plan.translate).toBeLessThanOrEqual(4);
  });

  it('gives ESM-2 the larger share: 16 threads → DNA 2, protein 14, translate 1', () => {
    expect(DNA_THREAD_SHARE).toBe(1 / 8);
    expect(planThreads({ threads: 16 })).toMatchObject({
      translate: 1,
      dna: { workers: 1, intraOpNumThreads: 2 },
      protein: { workers: 1, intraOpNumThreads: 14 },
    });
    expect(planThreads({ threads: 64, workers: 2 })).toMatchObject({
      translate: 4,
      dna: { workers: 2, intraOpNumThreads: 4 },
      protein: { workers: 2, intraOpNumThreads: 28 },
    });
  });

  it('on a GPU gives each encoder worker one host thread, and honours an explicit intra-op count', () => {
    expect(planThreads({ threads: 32, device: 'cuda' })).toMatchObject({
      translate: 4,
      dna: { intraOpNumThreads: 1 },
      protein: { intraOpNumThreads: 1 },
    });
    expect(planThreads({ threads: 8, intraOpThreads: 3 })).toMatchObject({
      dna: { intraOpNumThreads: 3 },
      protein: { intraOpNumThreads: 3 },
    });
  });

  it('validates its options, naming them', () => {
    expect(() => planThreads({ threads: 0 })).toThrow(/options\.threads must be an integer >= 1/);
    expect(() => planThreads({ workers: 1.5 })).toThrow(/options\.workers must be an integer >= 1/);
    expect(() => planThreads({ intraOpThreads: -2 })).toThrow(/options\.intraOpThreads must be an integer >= 1/);
  });
});
