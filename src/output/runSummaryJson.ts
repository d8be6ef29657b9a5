import type { CallCounts } from '../classify/callCounts.js';
import type { PackingStatsJSON } from '../packing/packingStats.js';
import type { InferenceBackendDescription } from '../model/inferenceBackend.js';
import type { EncoderName } from '../model/manifest.js';

/**
 * What `run_summary.json` holds: the summary of a `virnucpro predict` run (written to its -o directory,
 * returned by runPredict, printed as lines on stderr by summaryLines.ts), read back by the reports
 * (reportData.ts) and by merge (shardMerge.ts), which take their parts of it from these types.
 * docs/predict.md documents every field.
 */

export interface EncoderThreads {
  readonly workers: number;
  readonly intraOpNumThreads: number;
}

/**
 * The threads of each stage (src/pipeline/threadPlan.ts plans them; the summary records the plan): the whole
 * budget, translation, each encoder of the table by its name (in the table's order), the classifier.
 */
export type ThreadPlan = {
  readonly threads: number;
  readonly translate: number;
} & { readonly [encoder in EncoderName]: EncoderThreads } & {
  /** The MLP: one worker, one thread, always on the CPU (1.7 MFLOP a frame). */
  readonly classifier: EncoderThreads;
};

/** The rows each stage had emitted at moments of a run: what report.html plots as rates over time. */
export interface StageSeriesJSON {
  /** Seconds since the results started to be written, one per sample (the last at the end of the run). */
  readonly seconds: readonly number[];
  /** Per stage (PREDICT_STAGES), its cumulative rows at each of those moments. */
  readonly rows: Readonly<Record<string, readonly number[]>>;
}

export interface StageSummary {
  readonly name: string;
  readonly rows: number;
  readonly busySeconds: number;
  readonly rowsPerSecond: number;
}

export interface RunSummary {
  readonly virnucpro: string;
  readonly command: 'predict';
  readonly arguments: readonly string[];
  readonly finishedAt: string;
  readonly input: { readonly path: string; readonly size?: number; readonly mtime?: string };
  /** The shard of the input this run read (`K/N`, src/fasta/shard.ts); null for the whole input. */
  readonly shard: string | null;
  readonly bundle: {
    readonly name: string;
    readonly manifest: string;
    readonly manifestSha256: string;
    readonly chunkLength: number;
    readonly meaningless: boolean;
    readonly provenance: Readonly<Record<string, string>>;
    /** Exactly the files loaded (names as in the manifest), each with its verified sha256 or `unverified`. */
    readonly files: Readonly<Record<string, string>>;
  };
  readonly chunkLength: number;
  /** Set when --force ran a chunk length the classifier was not trained for. */
  readonly forcedChunkLength: number | null;
  readonly options: Readonly<Record<string, unknown>>;
  readonly threads: ThreadPlan;
  /** Where each model ran (InferenceBackend.describe()): each encoder by its name, in the bundle's order, then the classifier. */
  readonly backends: { readonly [K in EncoderName]: InferenceBackendDescription } & { readonly classifier: InferenceBackendDescription };
  readonly counts: {
    /** Non-empty records read (all of them, those a resume skipped included). */
    readonly recordsRead: number;
    readonly recordsSkipped: { readonly emptyRecord: number };
    readonly chunks: number;
    readonly chunksWithKeptFrames: number;
    readonly framesKept: number;
    /** Chunks and reads (input records) called viral, not viral, or uncallable (docs/predict.md, "Calls"). */
    readonly calls: CallCounts;
    /** Rows (header excluded) per output: the two files of -o DIR, or stdout. */
    readonly rowsWritten: Readonly<Record<string, number>>;
    /** Consensus rows merged because reads share an id (the original's groupby merges them too). */
    readonly duplicateChunkIdsMerged: number;
  };
  readonly resume: { readonly resumed: boolean; readonly recordsAlreadyDone: number; readonly commits: number };
  /** Of this process (a resumed run times its own part). */
  readonly timing: {
    readonly seconds: number;
    readonly framesPerSecond: number;
    readonly recordsPerSecond: number;
    readonly stages: readonly StageSummary[];
    /** The stages' cumulative rows sampled over the run (report.html plots their rates). */
    readonly series: StageSeriesJSON;
  };
  /** Each encoder's packing, by its name, in the bundle's order. */
  readonly packing: { readonly [K in EncoderName]: PackingStatsJSON };
  readonly peakRssMiB: number;
  readonly warnings: readonly string[];
}
