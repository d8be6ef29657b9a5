import { VirnucproError } from '../errors.js';
import { CLASSIFIER_CLASSES } from './modelSpec.js';
import type { OnnxInterface, OnnxValueInfo } from './onnxInterface.js';

/**
 * Checks an ONNX graph's inputs and outputs against the bundle contract (docs/model-bundle.md, "Model
 * interface"). The bundle loader runs it on the interface read from the file's bytes, and every inference
 * worker runs it again on its session's metadata, so a pool started without a bundle is checked the same way.
 * Failures are BUNDLE_INVALID naming the ONNX file and the manifest field to change.
 */

/** Where a model comes from, for messages: its file and its manifest key (`dna`, `protein`, `classifier`). */
export interface ModelOrigin {
  readonly file: string;
  readonly label: string;
}

export interface EmbeddingNames {
  readonly inputIds: string;
  readonly attentionMask: string;
  readonly output: string;
  readonly pooledOutput?: string | undefined;
}

/**
 * Checks an encoder: it takes exactly the two int64 [batch, tokens] inputs, and its outputs are float32
 * [batch, tokens, hidden] (and [batch, hidden] for a pooled output). Returns the hidden size the file
 * declares, or undefined when that dimension is symbolic.
 */
export function checkEmbeddingInterface(graph: OnnxInterface, names: EmbeddingNames, origin: ModelOrigin): number | undefined {
  for (const input of graph.inputs) {
    if (input.name !== names.inputIds && input.name !== names.attentionMask) {
      throw invalid(
        origin,
        'inputs',
        `the model needs input '${input.name}', which virnucpro does not feed ` +
          `(it feeds '${names.inputIds}' and '${names.attentionMask}')`,
        'export the model with only input_ids and attention_mask, or map the names with the manifest\'s "inputs"',
      );
    }
  }
  for (const [field, name] of [
    ['inputs.inputIds', names.inputIds],
    ['inputs.attentionMask', names.attentionMask],
  ] as const) {
    expectValue(graph.inputs, name, 'int64', 2, origin, field, 'input');
  }
  const hidden = lastDim(expectValue(graph.outputs, names.output, 'float32', 3, origin, 'output', 'output'));
  if (names.pooledOutput === undefined) return hidden;
  const pooled = lastDim(expectValue(graph.outputs, names.pooledOutput, 'float32', 2, origin, 'pooledOutput', 'output'));
  if (hidden !== undefined && pooled !== undefined && hidden !== pooled) {
    throw invalid(
      origin,
      'pooledOutput',
      `'${names.pooledOutput}' has width ${pooled} but '${names.output}' has ${hidden}`,
      'the pooled output must pool the hidden-state output: re-export the model',
    );
  }
  return hidden ?? pooled;
}

export interface ClassifierBinding {
  readonly input: string;
  readonly output: string;
  /** The declared input width, or undefined when symbolic. */
  readonly inputWidth: number | undefined;
}

/**
 * Checks the classifier: a float32 [n, width] input and a float32 [n, 2] output. Names left undefined
 * default to the model's only input / output.
 */
export function checkClassifierInterface(
  graph: OnnxInterface,
  names: { readonly input?: string | undefined; readonly output?: string | undefined },
  origin: ModelOrigin,
): ClassifierBinding {
  const input = names.input ?? onlyName(graph.inputs, origin, 'input');
  const output = names.output ?? onlyName(graph.outputs, origin, 'output');
  const inputWidth = lastDim(expectValue(graph.inputs, input, 'float32', 2, origin, 'input', 'input'));
  const classes = lastDim(expectValue(graph.outputs, output, 'float32', 2, origin, 'output', 'output'));
  if (classes !== undefined && classes !== CLASSIFIER_CLASSES) {
    throw invalid(
      origin,
      'output',
      `'${output}' has ${classes} columns; the classifier must give ${CLASSIFIER_CLASSES} logits (others, virus)`,
      'export the VirNucPro MLP classifier (Linear 3328→512 … Linear 512→2)',
    );
  }
  return { input, output, inputWidth };
}

/**
 * The width a manifest (or a resolved model spec) states and the one the ONNX file declares must agree; one
 * of them must be known. Returns it.
 */
export function agreedWidth(stated: number | undefined, declared: number | undefined, origin: ModelOrigin, field: string): number {
  if (stated !== undefined && declared !== undefined && stated !== declared) {
    throw invalid(
      origin,
      field,
      `manifest.json says ${stated}, the ONNX file says ${declared}`,
      `fix "${origin.label}.${field}" in manifest.json, or check that the right ONNX file is named`,
    );
  }
  const width = stated ?? declared;
  if (width === undefined) {
    throw invalid(
      origin,
      field,
      'the ONNX file leaves this width symbolic and manifest.json does not state it',
      `add "${origin.label}.${field}" to manifest.json`,
    );
  }
  return width;
}

function onlyName(values: readonly OnnxValueInfo[], origin: ModelOrigin, field: 'input' | 'output'): string {
  if (values.length === 1) return values[0]!.name;
  throw invalid(
    origin,
    field,
    `the model has ${values.length} ${field}s (${values.map((v) => `'${v.name}'`).join(', ')}), not one`,
    `name the one to use with "${origin.label}.${field}" in manifest.json`,
  );
}

function expectValue(
  values: readonly OnnxValueInfo[],
  name: string,
  type: string,
  rank: number,
  origin: ModelOrigin,
  field: string,
  side: 'input' | 'output',
): OnnxValueInfo {
  const value = values.find((v) => v.name === name);
  if (!value) {
    throw invalid(
      origin,
      field,
      `the model has no ${side} '${name}' (its ${side}s: ${values.map((v) => `'${v.name}'`).join(', ') || 'none'})`,
      `set "${origin.label}.${field}" in manifest.json to the right name, or re-export with the names of docs/model-bundle.md`,
    );
  }
  if (value.type !== type) {
    throw invalid(
      origin,
      field,
      `${side} '${name}' is ${value.type}, expected ${type}`,
      type === 'float32'
        ? 'keep float32 inputs and outputs when converting to fp16 (keep_io_types=True)'
        : 're-export the model with int64 token inputs',
    );
  }
  // An empty shape means the file does not declare one; the run itself then checks.
  if (value.shape.length !== 0 && value.shape.length !== rank) {
    throw invalid(
      origin,
      field,
      `${side} '${name}' has rank ${value.shape.length} [${value.shape.join(', ')}], expected ${rank}`,
      're-export the model with the interface of docs/model-bundle.md',
    );
  }
  return value;
}

function lastDim(value: OnnxValueInfo): number | undefined {
  const dim = value.shape[value.shape.length - 1];
  return typeof dim === 'number' ? dim : undefined;
}

function invalid(origin: ModelOrigin, field: string, message: string, hint: string): VirnucproError {
  return new VirnucproError('BUNDLE_INVALID', `${origin.label}.${field}: ${message}`, { position: { file: origin.file }, hint });
}
