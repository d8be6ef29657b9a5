import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PREDICT_WORKLOADS } from '../../bench/e2e/predictThroughput.js';
import { consumeBatches } from '../../src/flow/sink.js';
import { predict } from '../../src/pipeline/predict.js';
import { PredictStats } from '../../src/pipeline/predictStats.js';
import { syntheticReads } from '../../bench/support/syntheticReads.js';
import { writeTinyBundle } from '../../bench/support/tinyBundle.js';

// bench/e2e/predictThroughput.ts measures frames per second: its workloads must keep frames, and keep the
// same number from one version to the next (a change here means the figures are no longer comparable).
describe('predict throughput benchmark workloads', () => {
  it('are pinned: 600 reads (demo) and 12 000 reads (near-zero bundle), seed 11', () => {
    expect(PREDICT_WORKLOADS.map((w) => [w.bundle, w.reads, w.seed])).toEqual([
      ['demo', 600, 11],
      ['near-zero', 12_000, 11],
    ]);
  });

  it('keep 2 463 frames in 600 reads of seed 11 (what the demo row divides by)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-workload-'));
    try {
      const stats = new PredictStats();
      const input = Readable.from([Buffer.from(syntheticReads(600, 11))]);
      await consumeBatches(predict(input, { bundle: await writeTinyBundle(path.join(dir, 'tiny')), stats }), () => undefined);
      expect(stats.fasta.records).toBe(600);
      expect(stats.frames).toBe(2463);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
