import type { ChunkLength } from '../model/manifest.js';
import { chunkLengthOption } from '../model/chunkLength.js';
import type { ExecutionProvider } from '../model/sessionSettings.js';
import { resolveTokenPackerOptions, type ResolvedTokenPackerOptions } from '../packing/tokenPacker.js';
import { PREDICT_DEFAULTS } from './predictDefaults.js';
import { planThreads, type ThreadPlan } from './threadPlan.js';

/**
 * A predict run's options, resolved once: every default filled in from the table (predictDefaults.ts), every
 * value checked (a TypeError naming the option), the thread plan worked out, and the whole frozen. The
 * pipeline reads its settings from here and checks none of them again; models started ahead of a run
 * (startPredictModels) carry the plan they were started with, which the run then uses.
 */

/** The options of a run that the plan settles (PredictOptions adds what is not planned: inputs, sinks, callbacks). */
export interface RunPlanOptions {
  /** Chunk length (300 or 500). Default: the bundle's; another one is refused unless `force`. */
  readonly chunkLength?: ChunkLength;
  /** Accept a chunk length the bundle's classifier was not trained for (wrong predictions). Default false. */
  readonly force?: boolean;
  /** Verify the bundle's checksums when loading it from a path. Default true. */
  readonly verifyChecksums?: boolean;
  /** Where the encoders run: 'cpu' (default), 'cuda', 'webgpu'. The classifier always runs on the CPU. */
  readonly device?: ExecutionProvider;
  /**
   * GPU index for 'cuda', or several: each encoder then runs one worker set per device and its batches go to
   * whichever device is free (the outputs are those of one device). Repeats are allowed (`[0, 0]`: two worker
   * sets on one card). On the CPU several ids split the encoder threads between them. Default 0.
   */
  readonly deviceId?: number | readonly number[];
  /** CPU threads for the whole run, split across stages by planThreads. Default: available cores. */
  readonly threads?: number;
  /** Worker threads per encoder (each a full model copy). Default 1. */
  readonly workers?: number;
  /** onnxruntime intra-op threads per encoder worker. Default: planThreads' split. */
  readonly intraOpThreads?: number;
  /** Padded tokens per model batch. Default 16 384. */
  readonly tokenBudget?: number;
  /** Rows each encoder sorts by length before cutting batches. Default 8 192. */
  readonly window?: number;
  /** Capacity of the credit created when `credit` is not given. Default 8 Mi units. */
  readonly creditUnits?: number;
  /** Sequence bytes per input batch (also the packing and commit unit). Default 1 MiB. */
  readonly batchBases?: number;
  /**
   * Let onnxruntime's intra-op threads spin between parallel sections (SessionSettings.allowSpinning).
   * Default false: the run's three model pools and the translate workers share the cores, and a pool whose
   * threads spin takes them from the others (measured in docs/predict.md, "Threads").
   */
  readonly allowSpinning?: boolean;
}

export interface RunPlan {
  /** The chunk length asked for; undefined: the bundle's (chooseChunkLength decides once the bundle is known). */
  readonly chunkLength: ChunkLength | undefined;
  /** Accept a chunk length the classifier was not trained for. */
  readonly force: boolean;
  readonly verifyChecksums: boolean;
  readonly device: ExecutionProvider;
  /** One worker set per id (repeats allowed). */
  readonly deviceIds: readonly number[];
  /** The threads of each stage. */
  readonly threads: ThreadPlan;
  readonly allowSpinning: boolean;
  /**
   * The encoders' packing, checked here once: padded tokens per model batch, rows sorted per cut. Each
   * encoder pads to the multiple its backend asks for (withLengthMultiple), with nothing else checked again.
   */
  readonly packing: ResolvedTokenPackerOptions;
  /** Capacity of the run's credit window when none is given. */
  readonly creditUnits: number;
  /** Sequence bytes per input batch. */
  readonly batchBases: number;
}

/** Plans planRun made: a plan is taken as it is only if it is one of these. */
const PLANS = new WeakSet<RunPlan>();

/** Whether `value` is a plan {@link planRun} made (and so checked). */
export function isRunPlan(value: unknown): value is RunPlan {
  return typeof value === 'object' && value !== null && PLANS.has(value as RunPlan);
}

/** Resolves and checks `options` into a frozen plan; throws a TypeError naming the first bad option. */
export function planRun(options: RunPlanOptions): RunPlan {
  const flag = (name: 'force' | 'verifyChecksums' | 'allowSpinning'): boolean => {
    const value = options[name] ?? PREDICT_DEFAULTS[name].value;
    if (typeof value !== 'boolean') throw new TypeError(`options.${name} must be a boolean (got ${String(value)})`);
    return value;
  };
  const chunkLength = chunkLengthOption(options.chunkLength);
  const allowSpinning = flag('allowSpinning');
  const packing = resolveTokenPackerOptions({ tokenBudget: options.tokenBudget, window: options.window });
  const device = options.device ?? PREDICT_DEFAULTS.device.value;
  const threads = planThreads({ threads: options.threads, workers: options.workers, intraOpThreads: options.intraOpThreads, device });
  const plan: RunPlan = Object.freeze({
    chunkLength,
    force: flag('force'),
    verifyChecksums: flag('verifyChecksums'),
    device,
    deviceIds: Object.freeze([options.deviceId ?? PREDICT_DEFAULTS.deviceId.value].flat()),
    threads: deepFreeze(threads),
    allowSpinning,
    packing,
    creditUnits: options.creditUnits ?? PREDICT_DEFAULTS.creditUnits.value,
    batchBases: options.batchBases ?? PREDICT_DEFAULTS.batchBases.value,
  });
  PLANS.add(plan);
  return plan;
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) if (typeof inner === 'object' && inner !== null) deepFreeze(inner as object);
  return Object.freeze(value);
}
