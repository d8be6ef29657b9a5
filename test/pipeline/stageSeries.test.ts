import { afterEach, describe, expect, it, vi } from 'vitest';
import { PREDICT_STAGES, PredictStats } from '../../src/pipeline/predictStats.js';
import { StageSeries } from '../../src/pipeline/stageSeries.js';

describe('StageSeries', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('samples every second, then halves its samples and doubles its period to keep at most 120', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const stats = new PredictStats();
    const series = new StageSeries(stats);
    // Each stage k emits k + 1 rows per second of fake time.
    for (let second = 1; second <= 400; second++) {
      PREDICT_STAGES.forEach((stage, k) => (stats.stages[stage].rows += k + 1));
      vi.advanceTimersByTime(1000);
    }
    const { seconds, rows } = series.stop();
    expect(seconds[0]).toBe(0);
    expect(seconds.at(-1)).toBe(400);
    expect(seconds.length).toBeLessThanOrEqual(121);
    expect(seconds.length).toBeGreaterThan(60);
    const gaps = seconds.slice(1).map((t, i) => t - seconds[i]!);
    expect(Math.min(...gaps)).toBeGreaterThan(0);
    // Thinned twice (at ~120 s and ~240 s): the samples are 4 s apart, a few more where a thinning restarted the timer.
    expect(gaps.slice(0, 20)).toEqual(new Array(20).fill(4));
    expect(Math.max(...gaps)).toBeLessThan(8);
    for (const [k, stage] of PREDICT_STAGES.entries()) {
      expect(rows[stage]).toEqual(seconds.map((t) => t * (k + 1)));
    }
  });
});
