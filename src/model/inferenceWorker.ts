/**
 * Worker thread of an {@link InferencePool} (inferencePool.ts): opens ONE onnxruntime session at start-up,
 * reports 'ready' (or 'load-failed' with the error as data), then answers run requests one at a time with
 * float32 [rows, width] on a transferred buffer, or with the error as data (a thrown error would reach the
 * main thread as a plain Error, its code lost).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { InferenceSession } from 'onnxruntime-node';
import { toErrorData } from '../errors.js';
import { runBatch } from './runBatch.js';
import { closeSession, openSession } from './session.js';
import type { FromWorker, ToWorker, WorkerInit } from './workerProtocol.js';

const port = parentPort!;
const { model, settings } = workerData as WorkerInit;
const post = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

let session: InferenceSession | undefined;
const loading = openSession(model, settings).then(
  (opened) => {
    session = opened;
    post({ type: 'ready' });
  },
  (error: unknown) => post({ type: 'load-failed', error: toErrorData(error) }),
);

// Requests are chained behind the load and each other: 'close' (also sent while the model is still loading,
// when another worker's load failed) never releases the session under a run, nor the thread under a load.
let previous = loading;
port.on('message', (message: ToWorker) => {
  previous = previous.then(() => handle(message));
});

async function handle(message: ToWorker): Promise<void> {
  if (message.type === 'close') {
    if (session !== undefined) await closeSession(session);
    port.close();
    return;
  }
  try {
    const pooled = await runBatch(session!, model, message);
    post(
      { type: 'result', id: message.id, rows: message.rows, columns: pooled.length / message.rows, buffer: pooled.buffer as ArrayBuffer },
      [pooled.buffer as ArrayBuffer],
    );
  } catch (error) {
    post({ type: 'failed', id: message.id, error: toErrorData(error) });
  }
}
