import { describe, expect, it } from 'vitest';
import { TRANSLATE_BENCH_WORKLOADS, workloadBatch } from '../../bench/support/frameWorkloads.js';
import { naiveKeptFrames } from '../../bench/micro/translate.bench.js';
import { chunkRecordBatch } from '../../src/sequence/chunkBatch.js';
import { translateChunks } from '../../src/sequence/sixFrames.js';

/** Kept frames each bench/micro/translate.bench.ts workload yields: the counts its tasks assert. */
const PINNED_FRAMES: Record<string, number> = { '150-bp reads': 20_307, '500-bp reads': 3_055 };

describe('translate benchmark workloads (bench/micro/translate.bench.ts)', () => {
  it.each(TRANSLATE_BENCH_WORKLOADS)('$name keeps the pinned number of frames, kernel and naive alike', (workload) => {
    expect(workload.frames).toBe(PINNED_FRAMES[workload.name]);
    const batch = workloadBatch(workload);
    expect(batch.count).toBe(workload.reads);
    expect(batch.bases.length).toBe(workload.reads * workload.length);
    const chunks = chunkRecordBatch(batch, 500);
    expect(chunks.count).toBe(workload.reads);
    expect(translateChunks(chunks).count).toBe(workload.frames);
    const texts = Array.from({ length: chunks.count }, (_, i) =>
      Buffer.from(chunks.bases.subarray(chunks.starts[i], chunks.ends[i])).toString('latin1'),
    );
    expect(naiveKeptFrames(texts)).toBe(workload.frames);
  });
});
