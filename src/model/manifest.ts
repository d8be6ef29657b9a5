import path from 'node:path';
import { VirnucproError } from '../errors.js';
import { POOLINGS, type Pooling } from './modelSpec.js';

/**
 * manifest.json as written (docs/model-bundle.md): parsed and checked field by field, paths not yet resolved
 * and files not yet opened (bundle.ts does that). Unknown fields are refused, so a misspelt optional field
 * ("hiddensize") fails loudly instead of being ignored.
 */

export const BUNDLE_FORMAT = 'virnucpro-bundle';
/** The manifest layout this build reads. A newer exporter bumps it; older builds then refuse the bundle. */
export const BUNDLE_FORMAT_VERSION = 1;
/** Chunk lengths the published classifiers were trained for (semantics §7). */
export const CHUNK_LENGTHS = [300, 500] as const;
export type ChunkLength = (typeof CHUNK_LENGTHS)[number];
/** The built-in ESM-2 alphabet: the only protein tokenizer. */
export const ESM2_TOKENIZER = 'esm2';

/** What an encoder embeds of each kept frame: its nucleotide slice (DNABERT-S) or its protein (ESM-2). */
export type EncoderInput = 'nucleotides' | 'protein';

/**
 * The encoders a bundle may name, in the classifier's feature order (the original's merge: [dna | protein]):
 * each one's manifest field, what it reads of a frame, and the semantics fixed for it (pooling, and a
 * built-in tokenizer when it must use one). The one place a field name becomes a role: a third encoder, or
 * another input, is a row here; everything after the manifest works on the bundle's list of encoders.
 */
export const ENCODERS = [
  { key: 'dna', title: 'DNA', reads: 'nucleotides', pooling: 'mean', tokenizer: undefined, semantics: '§5', threadShare: 1 / 8 },
  {
    key: 'protein',
    title: 'protein',
    reads: 'protein',
    pooling: 'mean-residues',
    tokenizer: ESM2_TOKENIZER,
    semantics: '§6',
    threadShare: 7 / 8,
  },
] as const satisfies readonly {
  readonly key: string;
  /** How messages and summaries name it. */
  readonly title: string;
  readonly reads: EncoderInput;
  readonly pooling: Pooling;
  /** The built-in tokenizer this encoder must use, or undefined: a tokenizer.json the manifest names. */
  readonly tokenizer: string | undefined;
  /** Where VirNucPro's semantics (docs) define its pooling. */
  readonly semantics: string;
  /**
   * Its share of the encoder threads on the CPU (src/pipeline/threadPlan.ts; the last row takes what the
   * others leave). DNABERT-S gets 1/8: per 500-bp frame ESM-2 3B costs ~36x its FLOPs (3 B x ~168 tokens vs
   * 117 M x ~120), but intra-op scaling flattens with many threads, so the small model gets more than its
   * FLOP share to make sure it never becomes the bottleneck.
   */
  readonly threadShare: number;
}[];
export type EncoderName = (typeof ENCODERS)[number]['key'];
export const ENCODER_NAMES: readonly EncoderName[] = ENCODERS.map((encoder) => encoder.key);

/** How messages and summaries name an encoder ('DNA' for `dna`); its name when the table has no such row. */
export function encoderTitle(name: string): string {
  return ENCODERS.find((encoder) => encoder.key === name)?.title ?? name;
}

export interface ManifestEncoder {
  readonly onnx: string;
  readonly tokenizer: string;
  readonly externalData: readonly string[];
  readonly hiddenSize?: number;
  readonly inputs: { readonly inputIds: string; readonly attentionMask: string };
  readonly output: string;
  readonly pooledOutput?: string;
  readonly pooling: Pooling;
  readonly maxTokens?: number;
}

export interface ManifestClassifier {
  readonly onnx: string;
  readonly externalData: readonly string[];
  readonly input?: string;
  readonly output?: string;
  readonly inputWidth?: number;
}

export type Manifest = {
  readonly formatVersion: number;
  readonly name?: string;
  readonly chunkLength: ChunkLength;
  readonly classifier: ManifestClassifier;
  readonly meaningless: boolean;
  readonly provenance: Readonly<Record<string, string>>;
  /** File (relative to the bundle) → lowercase sha256 hex. */
  readonly checksums: Readonly<Record<string, string>>;
} & { readonly [K in EncoderName]: ManifestEncoder };

/** The models a bundle can name, the encoders and the classifier; `virnucpro embed` needs only one encoder. */
export type BundlePart = EncoderName | 'classifier';
export const BUNDLE_PARTS: readonly BundlePart[] = [...ENCODER_NAMES, 'classifier'];

/**
 * A manifest read for some parts only: the parts asked for are present, the others only when the manifest
 * names them (then checked like the rest). `chunkLength` is required only with the classifier.
 */
export type PartialManifest<P extends BundlePart> = Omit<Manifest, BundlePart | 'chunkLength'> &
  Pick<Manifest, P> &
  Partial<Pick<Manifest, BundlePart | 'chunkLength'>>;

const TOP_FIELDS = ['format', 'formatVersion', 'name', 'chunkLength', ...BUNDLE_PARTS, 'meaningless', 'provenance', 'checksums'];
const ENCODER_FIELDS = ['onnx', 'tokenizer', 'externalData', 'hiddenSize', 'inputs', 'output', 'pooledOutput', 'pooling', 'maxTokens'];
const CLASSIFIER_FIELDS = ['onnx', 'externalData', 'input', 'output', 'inputWidth'];
/** Shortest row a model can take: a special token on each side of one residue or base token. */
const MIN_MAX_TOKENS = 3;

/** Parses manifest text; `file` names manifest.json in every error. Throws BUNDLE_INVALID. */
export function parseManifest(text: string, file: string): Manifest {
  return parseManifestParts(text, file, BUNDLE_PARTS) as Manifest;
}

/**
 * Parses a manifest that must name `parts` (a bundle assembled around one encoder for `virnucpro embed`
 * names only that one). Throws BUNDLE_INVALID, naming a required part that is missing.
 */
export function parseManifestParts<P extends BundlePart>(text: string, file: string, parts: readonly P[]): PartialManifest<P> {
  const needs = (part: BundlePart): boolean => (parts as readonly BundlePart[]).includes(part);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new VirnucproError('BUNDLE_INVALID', `not valid JSON: ${(error as Error).message}`, {
      position: { file },
      hint: 'fix the JSON syntax (docs/model-bundle.md shows a complete manifest)',
    });
  }
  const read = new FieldReader(file);
  const top = read.object(json, '', TOP_FIELDS);
  if (top['format'] !== BUNDLE_FORMAT) {
    throw read.error(
      'format',
      `expected "${BUNDLE_FORMAT}", found ${describe(top['format'])}`,
      'this is not a virnucpro model bundle; see docs/model-bundle.md',
    );
  }
  const formatVersion = read.integer(top, 'formatVersion', 1, true)!;
  if (formatVersion > BUNDLE_FORMAT_VERSION) {
    throw read.error(
      'formatVersion',
      `version ${formatVersion} is newer than this virnucpro reads (${BUNDLE_FORMAT_VERSION})`,
      'upgrade virnucpro, or export the bundle with a matching tools/export_bundle.py',
    );
  }
  const chunkLength = read.integer(top, 'chunkLength', 1, needs('classifier'));
  if (chunkLength !== undefined && !(CHUNK_LENGTHS as readonly number[]).includes(chunkLength)) {
    throw read.error(
      'chunkLength',
      `${chunkLength} is not a chunk length a VirNucPro classifier exists for`,
      `use ${CHUNK_LENGTHS.join(' or ')}: the length the classifier was trained with`,
    );
  }
  const part = <T>(key: BundlePart, parse: () => T): T | undefined => (needs(key) || top[key] !== undefined ? parse() : undefined);
  const manifest = {
    formatVersion,
    ...optional('name', read.string(top, 'name', false)),
    ...optional('chunkLength', chunkLength as ChunkLength | undefined),
    ...Object.fromEntries(
      ENCODERS.flatMap((row) => {
        const entry = part(row.key, () => encoder(read, top, row));
        return entry ? [[row.key, entry]] : [];
      }),
    ),
    ...optional(
      'classifier',
      part('classifier', () => classifier(read, top)),
    ),
    meaningless: read.boolean(top, 'meaningless') ?? false,
    provenance: read.stringMap(top, 'provenance', /^/, 'a string'),
    checksums: Object.fromEntries(
      Object.entries(read.stringMap(top, 'checksums', /^sha256:[0-9a-fA-F]{64}$/, '"sha256:" and 64 hex digits')).map(([name, sum]) => [
        name,
        sum.slice('sha256:'.length).toLowerCase(),
      ]),
    ),
  } as PartialManifest<P>;
  for (const [key, name] of manifestPaths(manifest)) checkInsideBundle(name, key, file);
  return manifest;
}

/** Every file path a manifest names, with its key (`dna.onnx`, `classifier.externalData[0]`, `checksums."x"`). */
function manifestPaths(manifest: Partial<Pick<Manifest, BundlePart>> & Pick<Manifest, 'checksums'>): [key: string, name: string][] {
  const paths: [string, string][] = [];
  for (const part of BUNDLE_PARTS) {
    const entry = manifest[part];
    if (!entry) continue;
    paths.push([`${part}.onnx`, entry.onnx]);
    entry.externalData.forEach((name, i) => paths.push([`${part}.externalData[${i}]`, name]));
    if ('tokenizer' in entry && entry.tokenizer !== ESM2_TOKENIZER) paths.push([`${part}.tokenizer`, entry.tokenizer]);
  }
  for (const name of Object.keys(manifest.checksums)) paths.push([`checksums."${name}"`, name]);
  return paths;
}

/**
 * A bundle is closed: its manifest names files inside its own directory only, by relative paths without
 * '..', so that what is loaded is what was checksummed and shipped together (an entry reaching outside
 * once loaded another model with exit 0). A symlink inside the bundle is followed: its owner put it there.
 * Lexical on purpose: the check cannot race with the filesystem.
 */
function checkInsideBundle(name: string, key: string, file: string): void {
  const outside = path.posix.isAbsolute(name) || path.win32.isAbsolute(name) || name.split(/[\\/]/).includes('..') || name.includes('\0');
  if (outside) {
    throw new VirnucproError('MODEL_LOAD', `${key}: ${JSON.stringify(name)} is not a path inside the bundle directory`, {
      position: { file },
      hint: "paths in a manifest are relative to the bundle directory and stay inside it (no absolute path, no '..'): copy the file into the bundle (or place a symlink there) and name it relatively",
    });
  }
}

function encoder(read: FieldReader, top: Record<string, unknown>, row: (typeof ENCODERS)[number]): ManifestEncoder {
  const { key, pooling } = row;
  const entry = read.object(top[key], key, ENCODER_FIELDS);
  const builtIn: string | undefined = row.tokenizer;
  const tokenizer = read.string(entry, `${key}.tokenizer`, builtIn === undefined) ?? builtIn!;
  if (builtIn !== undefined && tokenizer !== builtIn) {
    throw read.error(
      `${key}.tokenizer`,
      `"${tokenizer}" is not a ${row.reads} tokenizer virnucpro has`,
      `use "${builtIn}" (the ESM-2 alphabet) or leave it out`,
    );
  }
  const chosen = read.string(entry, `${key}.pooling`, false) ?? pooling;
  if (chosen !== pooling) {
    const known = (POOLINGS as readonly string[]).includes(chosen);
    throw read.error(
      `${key}.pooling`,
      `"${chosen}" is ${known ? `not the pooling VirNucPro uses for ${key}` : 'not a pooling virnucpro knows'}`,
      `use "${pooling}" (VirNucPro semantics ${row.semantics}) or leave it out`,
    );
  }
  const inputs = entry['inputs'] === undefined ? {} : read.object(entry['inputs'], `${key}.inputs`, ['inputIds', 'attentionMask']);
  const hiddenSize = read.integer(entry, `${key}.hiddenSize`, 1, false);
  const pooledOutput = read.string(entry, `${key}.pooledOutput`, false);
  const maxTokens = read.integer(entry, `${key}.maxTokens`, MIN_MAX_TOKENS, false);
  return {
    onnx: read.string(entry, `${key}.onnx`, true)!,
    tokenizer,
    externalData: read.stringList(entry, `${key}.externalData`),
    ...optional('hiddenSize', hiddenSize),
    inputs: {
      inputIds: read.string(inputs, `${key}.inputs.inputIds`, false) ?? 'input_ids',
      attentionMask: read.string(inputs, `${key}.inputs.attentionMask`, false) ?? 'attention_mask',
    },
    output: read.string(entry, `${key}.output`, false) ?? 'last_hidden_state',
    ...optional('pooledOutput', pooledOutput),
    pooling,
    ...optional('maxTokens', maxTokens),
  };
}

function classifier(read: FieldReader, top: Record<string, unknown>): ManifestClassifier {
  const entry = read.object(top['classifier'], 'classifier', CLASSIFIER_FIELDS);
  return {
    onnx: read.string(entry, 'classifier.onnx', true)!,
    externalData: read.stringList(entry, 'classifier.externalData'),
    ...optional('input', read.string(entry, 'classifier.input', false)),
    ...optional('output', read.string(entry, 'classifier.output', false)),
    ...optional('inputWidth', read.integer(entry, 'classifier.inputWidth', 1, false)),
  };
}

/** `{ key: value }` when value is defined, else `{}`: optional fields stay absent rather than undefined. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/**
 * Typed reads of manifest fields. `path` is the dotted field path used in messages; the last segment is the
 * key read from the object given.
 */
class FieldReader {
  readonly #file: string;

  constructor(file: string) {
    this.#file = file;
  }

  error(path: string, message: string, hint = 'see docs/model-bundle.md for every field and its type'): VirnucproError {
    return new VirnucproError('BUNDLE_INVALID', path ? `${path}: ${message}` : message, { position: { file: this.#file }, hint });
  }

  object(value: unknown, path: string, fields: readonly string[]): Record<string, unknown> {
    if (value === undefined) throw this.error(path, 'required field is missing');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.error(path, `expected an object, found ${describe(value)}`);
    }
    const unknown = Object.keys(value).find((key) => !fields.includes(key));
    if (unknown !== undefined) {
      throw this.error(
        path ? `${path}.${unknown}` : unknown,
        `unknown field (known here: ${fields.join(', ')})`,
        'check the spelling; fields are case-sensitive',
      );
    }
    return value as Record<string, unknown>;
  }

  string(entry: Record<string, unknown>, path: string, required: boolean): string | undefined {
    const value = this.#take(entry, path, required);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') throw this.error(path, `expected a non-empty string, found ${describe(value)}`);
    return value;
  }

  integer(entry: Record<string, unknown>, path: string, min: number, required: boolean): number | undefined {
    const value = this.#take(entry, path, required);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw this.error(path, `expected an integer >= ${min}, found ${describe(value)}`);
    }
    return value;
  }

  boolean(entry: Record<string, unknown>, path: string): boolean | undefined {
    const value = this.#take(entry, path, false);
    if (value !== undefined && typeof value !== 'boolean') throw this.error(path, `expected true or false, found ${describe(value)}`);
    return value as boolean | undefined;
  }

  stringList(entry: Record<string, unknown>, path: string): string[] {
    const value = this.#take(entry, path, false);
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item !== '')) {
      throw this.error(path, `expected a list of file names, found ${describe(value)}`);
    }
    return value as string[];
  }

  stringMap(entry: Record<string, unknown>, path: string, pattern: RegExp, expected: string): Record<string, string> {
    const value = this.#take(entry, path, false);
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.error(path, `expected an object, found ${describe(value)}`);
    }
    for (const [key, item] of Object.entries(value)) {
      if (typeof item !== 'string' || !pattern.test(item))
        throw this.error(`${path}.${key}`, `expected ${expected}, found ${describe(item)}`);
    }
    return value as Record<string, string>;
  }

  #take(entry: Record<string, unknown>, path: string, required: boolean): unknown {
    const value = entry[path.slice(path.lastIndexOf('.') + 1)];
    if (value === undefined && required) throw this.error(path, 'required field is missing');
    return value;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${String(value)}`;
}
