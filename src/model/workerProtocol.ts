import type { ErrorData } from '../errors.js';
import type { ModelSpec } from './modelSpec.js';
import type { SessionSettings } from './sessionSettings.js';

/**
 * Messages between an {@link InferencePool} and its workers (inferenceWorker.ts). A worker holds one session
 * and handles one request at a time: the pool sends the next only after the reply to the previous one.
 */

/** `workerData` of every worker. */
export interface WorkerInit {
  readonly model: ModelSpec;
  readonly settings: SessionSettings;
}

/**
 * One batch. `buffer` (in the transfer list) holds the inputs: for an encoder int64 input_ids then int64
 * attention_mask, each [rows, columns]; for the classifier float32 features [rows, columns].
 */
export interface RunRequest {
  readonly type: 'run';
  readonly id: number;
  readonly rows: number;
  readonly columns: number;
  readonly buffer: ArrayBuffer;
}

/** Release the session and exit, after the request in progress (if any) has been answered. */
export interface CloseRequest {
  readonly type: 'close';
}

export type ToWorker = RunRequest | CloseRequest;

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'load-failed'; readonly error: ErrorData }
  /** float32 [rows, columns] in `buffer` (transferred). */
  | { readonly type: 'result'; readonly id: number; readonly rows: number; readonly columns: number; readonly buffer: ArrayBuffer }
  | { readonly type: 'failed'; readonly id: number; readonly error: ErrorData };
