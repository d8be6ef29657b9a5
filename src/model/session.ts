import * as ort from 'onnxruntime-node';
import { VirnucproError } from '../errors.js';
import { cudaProviderHint } from './cudaProvider.js';
import { agreedWidth, checkClassifierInterface, checkEmbeddingInterface, type ModelOrigin } from './modelInterface.js';
import type { ModelSpec } from './modelSpec.js';
import type { OnnxInterface, OnnxValueInfo } from './onnxInterface.js';
import { sessionConfigEntries, type ExecutionProvider, type SessionSettings } from './sessionSettings.js';

/**
 * Opens the onnxruntime session of one inference worker (runs inside the worker thread: creating a session
 * and running it block the calling thread) and checks its inputs and outputs against the model spec.
 */

/** How to get each provider when onnxruntime-node cannot use it (platform notes, 2026-11-29). */
const FILE_HINT = 'the file is missing, truncated or not ONNX: re-export it, or re-download it and check its checksum';
const PROVIDER_HINTS: Readonly<Record<ExecutionProvider, (message: string) => string>> = {
  cpu: () => FILE_HINT,
  // Worked out when needed (it looks for the provider files); a bad model file on a working provider keeps the file hint.
  cuda: (message) => (/cuda|shared librar|provider/i.test(message) ? cudaProviderHint() : FILE_HINT),
  webgpu: () =>
    'WebGPU found no usable GPU adapter (on Linux it needs Vulkan: libvulkan.so.1 and a GPU driver); ' +
    'install them, or run on the cpu provider',
};

/**
 * Diagnostics: with `VIRNUCPRO_ORT_PROFILE=PREFIX` in the environment, every session writes onnxruntime's
 * profile (a Chrome trace of each node's time) to `PREFIX_<date>.json` when it closes (docs/gpu.md). Read
 * once per worker: a diagnostic switch like onnxruntime's own ORT_* variables, not a run option.
 */
const PROFILE_PREFIX = process.env['VIRNUCPRO_ORT_PROFILE'] || undefined;

// Every onnxruntime error reaches the user inside our own error, with onnxruntime's message; its logger
// would print the same failure a second time on stderr.
ort.env.logLevel = 'fatal';

export async function openSession(model: ModelSpec, settings: SessionSettings): Promise<ort.InferenceSession> {
  const provider = settings.executionProvider;
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model.file, {
      executionProviders: [provider === 'cuda' ? { name: 'cuda', deviceId: settings.deviceId } : provider],
      intraOpNumThreads: settings.intraOpNumThreads,
      // One request at a time per session: parallelism comes from intra-op threads and from workers.
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: settings.graphOptimizationLevel,
      ...(PROFILE_PREFIX === undefined ? {} : { enableProfiling: true, profileFilePrefix: PROFILE_PREFIX }),
      // Flattened by onnxruntime-node into config entries: session.intra_op.allow_spinning.
      extra: sessionConfigEntries(settings),
    });
  } catch (error) {
    const where =
      provider === 'cpu' ? '' : ` with execution provider '${provider}'${provider === 'cuda' ? ` (device ${settings.deviceId})` : ''}`;
    throw new VirnucproError('MODEL_LOAD', `${model.label} model: onnxruntime cannot load it${where}: ${(error as Error).message}`, {
      position: { file: model.file },
      hint: PROVIDER_HINTS[provider]((error as Error).message),
      cause: error,
    });
  }
  try {
    checkSession(model, sessionInterface(session));
  } catch (error) {
    await session.release();
    throw error;
  }
  return session;
}

/** The session's metadata in the form the bundle checker reads from ONNX bytes. */
function sessionInterface(session: ort.InferenceSession): OnnxInterface {
  const convert = (value: ort.InferenceSession.ValueMetadata): OnnxValueInfo =>
    value.isTensor ? { name: value.name, type: value.type, shape: [...value.shape] } : { name: value.name, type: 'unknown', shape: [] };
  return { inputs: session.inputMetadata.map(convert), outputs: session.outputMetadata.map(convert) };
}

function checkSession(model: ModelSpec, graph: OnnxInterface): void {
  const origin: ModelOrigin = { file: model.file, label: model.label };
  if (model.kind === 'embedding') {
    agreedWidth(model.hiddenSize, checkEmbeddingInterface(graph, model, origin), origin, 'hiddenSize');
  } else {
    agreedWidth(model.inputWidth, checkClassifierInterface(graph, model, origin).inputWidth, origin, 'inputWidth');
  }
}

/** Releases a session, writing its profile first when profiling is on. */
export async function closeSession(session: ort.InferenceSession): Promise<void> {
  if (PROFILE_PREFIX !== undefined) session.endProfiling();
  await session.release();
}
