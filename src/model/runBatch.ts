import * as ort from 'onnxruntime-node';
import { VirnucproError } from '../errors.js';
import { outputWidth, type ModelSpec } from './modelSpec.js';
import { poolHiddenStates, realLengths } from './pooling.js';
import type { RunRequest } from './workerProtocol.js';

/**
 * Runs one request on a session, inside a worker: builds the input tensors as views on the request's
 * buffer (no copy), runs the model, pools encoder states, and returns float32 [rows, width] on a buffer of
 * its own, ready to be transferred back. Errors: MODEL_RUN with the batch shape when onnxruntime fails.
 */
export async function runBatch(session: ort.InferenceSession, model: ModelSpec, request: RunRequest): Promise<Float32Array> {
  const { rows, columns, buffer } = request;
  const width = outputWidth(model);
  if (model.kind === 'classifier') {
    const features = new ort.Tensor('float32', new Float32Array(buffer, 0, rows * columns), [rows, columns]);
    const output = await run(session, model, request, { [model.input]: features }, model.output);
    return ownBuffer(expectDims(output, [rows, width], model, request));
  }

  const cells = rows * columns;
  const inputIds = new BigInt64Array(buffer, 0, cells);
  const attentionMask = new BigInt64Array(buffer, cells * BigInt64Array.BYTES_PER_ELEMENT, cells);
  // Checked before the run so that a mask which is not right-padded fails the same way with or without a pooled output.
  const lengths = realLengths(attentionMask, rows, columns);
  const feeds = {
    [model.inputIds]: new ort.Tensor('int64', inputIds, [rows, columns]),
    [model.attentionMask]: new ort.Tensor('int64', attentionMask, [rows, columns]),
  };
  if (model.pooledOutput !== undefined) {
    const pooled = await run(session, model, request, feeds, model.pooledOutput);
    return ownBuffer(expectDims(pooled, [rows, width], model, request));
  }
  const hidden = await run(session, model, request, feeds, model.output);
  const states = expectDims(hidden, [rows, columns, width], model, request);
  return poolHiddenStates(states, { rows, length: columns, width }, lengths, model.pooling);
}

async function run(
  session: ort.InferenceSession,
  model: ModelSpec,
  request: RunRequest,
  feeds: Record<string, ort.Tensor>,
  output: string,
): Promise<ort.Tensor> {
  try {
    // Fetching only the output used spares onnxruntime copying the others (a pooled model's hidden states).
    const result = await session.run(feeds, [output]);
    return result[output]!;
  } catch (error) {
    throw new VirnucproError(
      'MODEL_RUN',
      `${model.label} model failed on a batch of ${shape(model, request)}: ${(error as Error).message}`,
      {
        position: { file: model.file },
        hint:
          model.kind === 'embedding'
            ? "check that the token ids come from this model's tokenizer and that the rows fit the model (maxTokens); " +
              'on a GPU, a smaller token budget lowers memory'
            : "check that the feature rows have the classifier's input width",
        cause: error,
      },
    );
  }
}

function expectDims(tensor: ort.Tensor, dims: readonly number[], model: ModelSpec, request: RunRequest): Float32Array {
  if (tensor.type !== 'float32' || tensor.dims.length !== dims.length || tensor.dims.some((d, i) => d !== dims[i])) {
    throw new VirnucproError(
      'MODEL_RUN',
      `${model.label} model returned ${tensor.type} [${tensor.dims.join(', ')}] for a batch of ` +
        `${shape(model, request)}; expected float32 [${dims.join(', ')}]`,
      {
        position: { file: model.file },
        hint: 'the model does not follow docs/model-bundle.md (or its declared width is wrong): re-export it',
      },
    );
  }
  return tensor.data as Float32Array;
}

/** A typed array that can be transferred alone: copied when onnxruntime handed out a view on a larger buffer. */
function ownBuffer(data: Float32Array): Float32Array {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer ? data : data.slice();
}

function shape(model: ModelSpec, request: RunRequest): string {
  return model.kind === 'embedding'
    ? `${request.rows} rows × ${request.columns} tokens`
    : `${request.rows} rows × ${request.columns} features`;
}
