import { FastaStats } from '../fasta/fastaStats.js';
import { ENCODER_NAMES, type EncoderName } from '../model/manifest.js';
import { PackingStats } from '../packing/packingStats.js';

/** A stage `predict` times: one per encoder (`embed-dna`, `embed-protein`) between translation and the classifier. */
export type PredictStage = 'read' | 'translate' | `embed-${EncoderName}` | 'classify' | 'write';
/** The stages `predict` times, in pipeline order. */
export const PREDICT_STAGES: readonly PredictStage[] = [
  'read',
  'translate',
  ...ENCODER_NAMES.map((name) => `embed-${name}` as const),
  'classify',
  'write',
];

/** Rows and busy time of one stage (docs/predict.md, "Telemetry"). */
export class StageTelemetry {
  readonly name: PredictStage;
  /** Rows the stage emitted: records (read), kept frames (translate … classify), rows written (write). */
  rows = 0;
  /** Seconds during which the stage held work (see {@link StageClock}). */
  busySeconds = 0;

  constructor(name: PredictStage) {
    this.name = name;
  }

  /** rows / busySeconds; 0 before any busy time. */
  get rowsPerSecond(): number {
    return this.busySeconds > 0 ? this.rows / this.busySeconds : 0;
  }

  toJSON(): { name: string; rows: number; busySeconds: number; rowsPerSecond: number } {
    return { name: this.name, rows: this.rows, busySeconds: round(this.busySeconds, 3), rowsPerSecond: round(this.rowsPerSecond, 1) };
  }
}

/**
 * Measures a stage's busy time as the union of the intervals during which it holds work: weight enters
 * when a batch arrives and leaves when its results are emitted, and the clock runs while any weight is
 * inside. A stage that splits batches weighs them in a unit both sides know (chunks). This counts time
 * spent in the stage's queues too, so the bottleneck stage shows ~100 % of the wall time and the others
 * less: the figure says where the pipeline waits, not how many cores a stage used.
 */
export class StageClock {
  readonly #telemetry: StageTelemetry;
  #inside = 0;
  #since = 0;

  constructor(telemetry: StageTelemetry) {
    this.#telemetry = telemetry;
  }

  enter(weight: number): void {
    if (this.#inside === 0) this.#since = performance.now();
    this.#inside += weight;
  }

  leave(weight: number, rows: number): void {
    this.#telemetry.rows += rows;
    this.#inside -= weight;
    if (this.#inside <= 0) {
      this.#inside = 0;
      this.#telemetry.busySeconds += (performance.now() - this.#since) / 1000;
    }
  }
}

/**
 * Counts of a `predict` run, filled while it runs (read them for progress, and at the end for the summary
 * and the exactly-once check). A resumed run starts from the counters of the interrupted one.
 */
export class PredictStats {
  /** The reader's counts: records, bases, bytes, empty records skipped. */
  readonly fasta = new FastaStats();
  /** Packing of each encoder's model batches (real vs padded tokens), by encoder name. */
  readonly packing: Readonly<Record<EncoderName, PackingStats>> = Object.fromEntries(
    ENCODER_NAMES.map((name) => [name, new PackingStats()]),
  ) as Record<EncoderName, PackingStats>;
  /** `packing.dna` and `packing.protein`, by their former names. */
  readonly dnaPacking = this.packing.dna;
  readonly proteinPacking = this.packing.protein;
  /** Records a resumed run skipped because the interrupted run had processed them. */
  resumedRecords = 0;
  /** The sequence bases of those records. */
  resumedBases = 0;
  /** Set when the reader has reached the end of the input (its counts are then the input's totals). */
  inputEnded = false;
  /** Records that entered the pipeline (after the resume skip). */
  records = 0;
  /** Chunks cut from those records. */
  chunks = 0;
  /** Chunks with at least one kept frame: each must give exactly one consensus row. */
  chunksWithKeptFrames = 0;
  /** Kept frames: each must give exactly one per-frame row. */
  frames = 0;
  readonly stages: Readonly<Record<PredictStage, StageTelemetry>> = Object.fromEntries(
    PREDICT_STAGES.map((name) => [name, new StageTelemetry(name)]),
  ) as Record<PredictStage, StageTelemetry>;
}

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}
