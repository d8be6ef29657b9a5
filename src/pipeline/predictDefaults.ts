import { DEFAULT_BATCH_BASES } from '../fasta/fastaParser.js';
import { DEFAULT_PACKING_WINDOW, DEFAULT_TOKEN_BUDGET } from '../packing/tokenPacker.js';
import { DEFAULT_THREAD_PLAN } from './threadPlan.js';

/**
 * The defaults of a predict run, in one table: for each option its default, its unit, and what it costs in
 * memory. The run plan (runPlan.ts) fills in unset options from it, `virnucpro predict --help` shows its
 * defaults, and docs/predict.md ("Options, defaults and memory") is its {@link predictDefaultsMarkdown},
 * checked by a test, so neither can drift from what runs.
 */

/**
 * Sequence bytes per input batch: readFasta's 1 MiB (~6 900 150-bp reads). A batch is the unit of three
 * things here: packing (each batch's frames are packed into model batches on their own, which makes the
 * results independent of timing, see eachBatchAlone (src/flow/eachBatchAlone.ts); ~7 000 frames sort into ≥ 97 % real tokens),
 * commits (the resumable writer commits only at batch ends: tens of seconds of ESM-2 3B on a GPU), and
 * latency (stdout shows a chunk's row once its batch is classified). Memory: one batch buffer in the reader.
 */
export const PREDICT_BATCH_BASES = DEFAULT_BATCH_BASES;
/**
 * Credit window of a predict run: 8 Mi units ≈ 8 MiB of sequence in flight (docs/backpressure.md), ~20 000
 * 150-bp reads, enough frames to fill both encoders' 8 192-row packing windows on typical reads. Memory: the
 * bases and frames of those reads, plus, between the encoders and the classifier, 13 KiB of embeddings per
 * kept frame at the real widths: ~0.5 GiB at two kept frames per read, 1.6 GiB if every read kept all six.
 */
export const DEFAULT_PREDICT_CREDIT_UNITS = 8 * 1024 * 1024;
/**
 * Whether a predict run lets onnxruntime's intra-op threads spin: no. Its three model pools and the translate
 * workers share the cores; a spinning pool holds cores the others need (docs/predict.md, "Threads", has the
 * side-by-side figures). Memory: none.
 */
export const DEFAULT_PREDICT_ALLOW_SPINNING = false;

/** One row of the table. */
export interface PredictDefault<T> {
  /** The value a run takes when the option is not given; `undefined` when it is worked out (see `worked`). */
  readonly value: T;
  /** How the run works out an option whose `value` is undefined. */
  readonly worked?: string;
  /** The `virnucpro predict` flag that sets it; null for a library-only option. */
  readonly flag: string | null;
  readonly unit: string;
  /** What it costs in RAM or GPU memory. */
  readonly memory: string;
}

/** Every option of a predict run that has a default, keyed by its PredictOptions name. */
export const PREDICT_DEFAULTS = {
  chunkLength: {
    value: undefined,
    worked: "the bundle's",
    flag: '--chunk-length',
    unit: 'bases',
    memory: 'none: a read is cut into chunks of this length as it passes',
  },
  force: {
    value: false,
    flag: '--accept-chunk-length',
    unit: 'boolean (--force sets it too)',
    memory: 'none',
  },
  verifyChecksums: {
    value: true,
    flag: '--skip-checksums',
    unit: 'boolean (the flag turns it off)',
    memory: 'none: files are hashed as a stream (~2 s per GiB)',
  },
  threads: {
    value: undefined,
    worked: 'available cores',
    flag: '--threads',
    unit: 'CPU threads',
    memory: 'none of its own: threads share the one copy of each model their worker holds',
  },
  workers: {
    value: DEFAULT_THREAD_PLAN.workers,
    flag: '--workers',
    unit: 'worker threads per encoder',
    memory: "one full copy of the encoder's weights per worker (per device with several --device-id)",
  },
  intraOpThreads: {
    value: undefined,
    worked: "the encoder's threads divided among its workers",
    flag: '--intra-op-threads',
    unit: 'onnxruntime threads per worker',
    memory: 'none of its own',
  },
  device: {
    value: DEFAULT_THREAD_PLAN.device,
    flag: '--device',
    unit: 'execution provider',
    memory: 'on a GPU the encoder weights and activations move to GPU memory',
  },
  deviceId: {
    value: 0,
    flag: '--device-id',
    unit: 'GPU index (or several)',
    memory: "one copy of each encoder's weights per device named",
  },
  tokenBudget: {
    value: DEFAULT_TOKEN_BUDGET,
    flag: '--token-budget',
    unit: 'padded tokens per model batch',
    memory:
      'per batch in flight (2 per worker): token budget × hidden size × 4 B per hidden-state tensor (ESM-2 3B: 160 MiB) on the device, ' +
      'and 16 B × token budget of ids and mask (256 KiB)',
  },
  window: {
    value: DEFAULT_PACKING_WINDOW,
    flag: '--window',
    unit: 'rows sorted per cut',
    memory: '20 B per row in the packer (160 KiB); the rows it holds are counted in the credit window',
  },
  creditUnits: {
    value: DEFAULT_PREDICT_CREDIT_UNITS,
    flag: null,
    unit: 'credit units (≈ bytes of sequence in flight)',
    memory:
      'the reads in flight and their frames, plus 13 KiB of embeddings per kept frame between the encoders and the classifier: ' +
      '~0.5 GiB at two kept frames per read',
  },
  batchBases: {
    value: PREDICT_BATCH_BASES,
    flag: null,
    unit: 'sequence bytes per input batch',
    memory: 'one batch buffer in the reader; it is also the packing and commit unit',
  },
  allowSpinning: {
    value: DEFAULT_PREDICT_ALLOW_SPINNING,
    flag: '--allow-spinning',
    unit: 'boolean',
    memory: 'none (spinning costs CPU time, not memory)',
  },
} as const satisfies Readonly<Record<string, PredictDefault<unknown>>>;

/** A default as the docs say it: `16 384`, `cpu`, or how it is worked out. */
export function defaultText(row: PredictDefault<unknown>): string {
  if (row.value === undefined) return row.worked!;
  return typeof row.value === 'number' ? row.value.toLocaleString('en-US').replace(/,/g, ' ') : String(row.value);
}

/** The table as docs/predict.md shows it (a markdown table, one row per option). */
export function predictDefaultsMarkdown(): string {
  const rows = Object.entries(PREDICT_DEFAULTS).map(
    ([option, row]: [string, PredictDefault<unknown>]) =>
      `| \`${option}\` | ${row.flag === null ? '(library only)' : `\`${row.flag}\``} | ${defaultText(row)} | ${row.unit} | ${row.memory} |`,
  );
  return ['| option | flag | default | unit | memory |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
