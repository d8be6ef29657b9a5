import type { StageSeriesJSON } from '../output/runSummaryJson.js';
import { PREDICT_STAGES, type PredictStats } from './predictStats.js';

/** Samples kept at most: past this, every other one is dropped and the period doubles. */
const MAX_SAMPLES = 120;
const FIRST_PERIOD_MS = 1000;

/**
 * Samples the stages' cumulative rows while a run writes its results: every second at first, then, to keep
 * at most 120 samples whatever the run's length, every other sample is dropped and the period doubled (a
 * 10-hour run keeps one every 5 minutes). Costs a timer and a few numbers.
 */
export class StageSeries {
  readonly #stats: PredictStats;
  readonly #started = performance.now();
  readonly #seconds: number[] = [];
  readonly #rows: number[][] = PREDICT_STAGES.map(() => []);
  #period = FIRST_PERIOD_MS;
  #timer: NodeJS.Timeout;

  constructor(stats: PredictStats) {
    this.#stats = stats;
    this.#sample();
    this.#timer = this.#schedule();
  }

  /** Takes the last sample and stops sampling. */
  stop(): StageSeriesJSON {
    clearInterval(this.#timer);
    this.#sample();
    return {
      seconds: [...this.#seconds],
      rows: Object.fromEntries(PREDICT_STAGES.map((stage, i) => [stage, [...this.#rows[i]!]])),
    };
  }

  #schedule(): NodeJS.Timeout {
    const timer = setInterval(() => {
      this.#sample();
      if (this.#seconds.length < MAX_SAMPLES) return;
      // Keep the first sample and every other one after it; sample half as often from now on.
      const keep = (_: number, i: number): boolean => i % 2 === 0;
      this.#seconds.splice(0, Infinity, ...this.#seconds.filter(keep));
      for (const rows of this.#rows) rows.splice(0, Infinity, ...rows.filter(keep));
      clearInterval(this.#timer);
      this.#period *= 2;
      this.#timer = this.#schedule();
    }, this.#period);
    timer.unref();
    return timer;
  }

  #sample(): void {
    this.#seconds.push(Math.round(performance.now() - this.#started) / 1000);
    PREDICT_STAGES.forEach((stage, i) => this.#rows[i]!.push(this.#stats.stages[stage].rows));
  }
}
