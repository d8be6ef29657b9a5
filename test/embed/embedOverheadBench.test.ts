import { describe, expect, it } from 'vitest';
import { stagePasses } from '../../bench/micro/embedOverhead.bench.js';
import { TRANSLATE_BENCH_WORKLOADS, workloadFrames } from '../../bench/support/frameWorkloads.js';

/** The frame counts bench/micro/embedOverhead.bench.ts asserts in every task, pinned. */
const PINNED = {
  '150-bp reads': { frames: 20_307, batches: 5, passes: 2 },
  '500-bp reads': { frames: 3_055, batches: 2, passes: 9 },
} as const;

describe('embedding overhead benchmark workloads (bench/micro/embedOverhead.bench.ts)', () => {
  it.each(TRANSLATE_BENCH_WORKLOADS)('$name: the pinned kept frames, in readFasta-sized batches, streamed over ≥ 3 windows', (workload) => {
    const pinned = PINNED[workload.name as keyof typeof PINNED];
    const batches = workloadFrames(workload);
    expect(batches).toHaveLength(pinned.batches);
    expect(batches.reduce((sum, batch) => sum + batch.count, 0)).toBe(pinned.frames);
    expect(workload.frames).toBe(pinned.frames);
    expect(stagePasses(pinned.frames)).toBe(pinned.passes);
    expect(stagePasses(pinned.frames) * pinned.frames).toBeGreaterThanOrEqual(3 * 8192);
  });
});
