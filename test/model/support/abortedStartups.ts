/**
 * Starts and aborts an inference pool `count` times at random moments of its workers' model load, in its own
 * process: stopping a worker under onnxruntime's native session creation aborts the whole process (SIGABRT,
 * "terminate called after throwing an instance of 'Napi::Error'"), which a test can only see from outside.
 *
 *   node dist/test/model/support/abortedStartups.js <count> <max delay ms>
 */
import { fileURLToPath } from 'node:url';
import { startInferencePool } from '../../../src/model/inferencePool.js';
import type { EmbeddingModel } from '../../../src/model/modelSpec.js';

const model: EmbeddingModel = {
  kind: 'embedding',
  label: 'dna',
  // dist/test/model/support/ → test/fixtures/onnx (fixtureModels.ts imports vitest, unusable outside it)
  file: fileURLToPath(new URL('../../../../test/fixtures/onnx/encoder_h6.onnx', import.meta.url)),
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  output: 'last_hidden_state',
  pooling: 'mean',
  hiddenSize: 6,
};
const count = Number(process.argv[2]);
const maxDelayMs = Number(process.argv[3]);
let aborted = 0;
for (let i = 0; i < count; i++) {
  const controller = new AbortController();
  const started = startInferencePool(model, { workers: 2, intraOpNumThreads: 1, signal: controller.signal });
  setTimeout(() => controller.abort(new Error('aborted')), Math.random() * maxDelayMs);
  try {
    await (await started).close();
  } catch (error) {
    if ((error as Error).message !== 'aborted') throw error;
    aborted += 1;
  }
}
console.log(JSON.stringify({ count, aborted }));
