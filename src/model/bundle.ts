import { access, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { VirnucproError } from '../errors.js';
import { Esm2Tokenizer, parseBpeTokenizer, readTokenizerFile, type Tokenizer } from '../tokenize/index.js';
import { sha256Bytes, sha256File } from './checksum.js';
import { chooseChunkLength, chunkLengthOption } from './chunkLength.js';
import {
  BUNDLE_PARTS,
  ENCODERS,
  ESM2_TOKENIZER,
  parseManifestParts,
  type EncoderInput,
  type EncoderName,
  type BundlePart,
  type ChunkLength,
  type ManifestClassifier,
  type ManifestEncoder,
  type PartialManifest,
} from './manifest.js';
import { agreedWidth, checkClassifierInterface, checkEmbeddingInterface, type ModelOrigin } from './modelInterface.js';
import type { ClassifierModel, EmbeddingModel } from './modelSpec.js';
import { readOnnxInterface } from './onnxInterface.js';

export const MANIFEST_FILE = 'manifest.json';
/** A loaded file's checksum in {@link ModelBundle.loadedFiles} when none was verified. */
export const UNVERIFIED = 'unverified';

/**
 * The warning a run gives for a bundle whose loaded files are not all covered by checksums (nothing vouches
 * that they are the files exported together); undefined when every one is.
 */
export function missingChecksumWarning(bundle: Pick<ModelBundle, 'missingChecksums' | 'manifestFile'>): string | undefined {
  if (bundle.missingChecksums.length === 0) return undefined;
  return (
    `${bundle.manifestFile}: no checksum for ${bundle.missingChecksums.map((name) => `'${name}'`).join(', ')}: loaded unverified ` +
    '(add "sha256:…" entries under checksums, as tools/export_bundle.py writes them)'
  );
}

export interface LoadBundleOptions {
  /** The chunk length of this run (`-l/--chunk-length`); a bundle made for another is refused. Default: the bundle's. */
  readonly chunkLength?: number | undefined;
  /** Accept a bundle whose chunk length differs from `chunkLength` (`--force`). Default false. */
  readonly force?: boolean;
  /** Verify the manifest's sha256 checksums (`--skip-checksums` turns it off: ~2 s per GiB). Default true. */
  readonly verifyChecksums?: boolean;
  readonly signal?: AbortSignal | undefined;
}

/** {@link LoadBundleOptions} for a bundle loaded for some of its models, which loadBundle then returns as a {@link PartialBundle}. */
export interface LoadBundlePartsOptions<P extends BundlePart> extends LoadBundleOptions {
  /**
   * The models to load (`virnucpro embed` needs one encoder): the manifest must name these, may omit the
   * others, and only their files are checked and checksummed. Default (without this option): all three.
   */
  readonly parts: readonly P[];
}

export interface ResolvedLoadBundleOptions {
  readonly chunkLength: ChunkLength | undefined;
  readonly force: boolean;
  readonly verifyChecksums: boolean;
  readonly parts: readonly BundlePart[];
  readonly signal: AbortSignal | undefined;
}

export const DEFAULT_LOAD_BUNDLE = {
  chunkLength: undefined,
  force: false,
  verifyChecksums: true,
  parts: BUNDLE_PARTS,
  signal: undefined,
} as const satisfies ResolvedLoadBundleOptions;

/** A bundle's encoder, ready for {@link startInferencePool}, plus what the tokenizing stage needs. */
export interface BundleEncoder extends EmbeddingModel {
  /** Its manifest field ('dna', 'protein'): the encoder's name in messages, stages and summaries. */
  readonly label: EncoderName;
  /** What it embeds of each kept frame (the manifest field's role, src/model/manifest.ts ENCODERS). */
  readonly reads: EncoderInput;
  /** Absolute path of the DNA `tokenizer.json`, or `"esm2"` for the built-in protein alphabet. */
  readonly tokenizer: string;
  /** Longest row (tokens incl. specials) the model accepts; longer rows must be refused with their record id. */
  readonly maxTokens?: number;
  /** Absolute paths of external-data files (onnxruntime finds them beside the .onnx file itself). */
  readonly externalData: readonly string[];
}

export interface BundleClassifier extends ClassifierModel {
  readonly externalData: readonly string[];
}

export type ModelBundle = {
  /** Absolute path of the bundle directory. */
  readonly dir: string;
  /** Absolute path of the manifest read. */
  readonly manifestFile: string;
  /** Lowercase hex sha256 of the manifest's bytes as read and parsed here: what identifies the bundle for a resume. */
  readonly manifestSha256: string;
  readonly name: string;
  /** The chunk length the classifier was trained for. */
  readonly chunkLength: ChunkLength;
  /** Set when `force` accepted a run with this other chunk length: every output must say so. */
  readonly forcedChunkLength?: number;
  /** Demo/test bundle: every output must carry a warning that predictions are meaningless. */
  readonly meaningless: boolean;
  /** Free-form strings to record in every run summary. */
  readonly provenance: Readonly<Record<string, string>>;
  /** Files whose checksum was verified (relative names, as in the manifest); empty when skipped or none given. */
  readonly verifiedChecksums: readonly string[];
  /**
   * Exactly the files this load uses (relative names, as in the manifest: ONNX files, their external data, the
   * DNA tokenizer), each with the sha256 that was verified, or `unverified` (no checksum listed, or
   * `--skip-checksums`): what a run summary records.
   */
  readonly loadedFiles: Readonly<Record<string, string>>;
  /** Loaded files the manifest lists no checksum for (each deserves a warning: nothing vouches for them). */
  readonly missingChecksums: readonly string[];
  /**
   * The tokenizer of each encoder loaded, by its label ('dna', 'protein'): parsed once here (a tokenizer.json,
   * read once for both its checksum and its parse) or the built-in ESM-2 alphabet. The embedding stages use
   * these; nothing reads the file again.
   */
  readonly tokenizers: Readonly<Record<EncoderName, Tokenizer>>;
  /**
   * The encoders, in the classifier's feature order ([dna | protein], the original's): what a run starts,
   * embeds with and joins. Each is also the bundle's field of its name (`bundle.dna`, `bundle.protein`).
   */
  readonly encoders: readonly BundleEncoder[];
  readonly classifier: BundleClassifier;
} & { readonly [K in EncoderName]: BundleEncoder };

/**
 * What loadBundle returns when asked for some parts: those parts, and the bundle's other fields. The chunk
 * length is there when the manifest gives one (it must, with the classifier).
 */
export type PartialBundle<P extends BundlePart> = Omit<ModelBundle, BundlePart | 'chunkLength' | 'tokenizers'> &
  Pick<ModelBundle, P> & {
    readonly chunkLength?: ChunkLength;
    readonly tokenizers: Readonly<Record<Extract<P, EncoderName>, Tokenizer>>;
  };

/**
 * Reads and checks a model bundle (docs/model-bundle.md), given its directory (which holds manifest.json) or
 * its manifest file (any name; paths in it are relative to its directory): manifest fields and types, the chunk length
 * against this run's, that every named file exists, the sha256 checksums, each ONNX file's inputs, outputs
 * and widths (read from the file's header, without loading weights), and that the classifier takes
 * `dna.hiddenSize + protein.hiddenSize` features.
 *
 * Errors: BUNDLE_INVALID (manifest, or a model that breaks the interface), BUNDLE_MISMATCH (chunk length,
 * widths across models), MODEL_LOAD (a file missing, unreadable, corrupt or failing its checksum),
 * TOKENIZER_INVALID (the DNA tokenizer, from src/tokenize's loader); each names the file and field and says
 * how to fix it.
 *
 * With `parts`, only those models are required, loaded and checked: a bundle assembled around one ONNX file
 * (a manifest naming only `dna`, say, and no chunk length) serves `virnucpro embed`.
 *
 * @example
 * const bundle = await loadBundle('models/demo', { chunkLength: 500 });
 * const dna = await startInferencePool(bundle.dna);
 * const { protein } = await loadBundle('my-esm-bundle', { parts: ['protein'] });
 */
export function loadBundle<P extends BundlePart>(location: string, options: LoadBundlePartsOptions<P>): Promise<PartialBundle<P>>;
export function loadBundle(location: string, options?: LoadBundleOptions): Promise<ModelBundle>;
export async function loadBundle(
  location: string,
  options: LoadBundleOptions & { readonly parts?: readonly BundlePart[] } = {},
): Promise<PartialBundle<BundlePart>> {
  const { chunkLength: requested, force, verifyChecksums, parts, signal } = resolveLoadBundleOptions(options);
  const target = path.resolve(location);
  // A manifest file may be named directly: one directory can then hold several bundles sharing their encoders.
  const namesFile = (await stat(target).catch(() => undefined))?.isFile() ?? false;
  const root = namesFile ? path.dirname(target) : target;
  const manifestFile = namesFile ? target : path.join(root, MANIFEST_FILE);
  const manifestBytes = await readManifest(manifestFile);
  const manifest = parseManifestParts(manifestBytes.toString('utf8'), manifestFile, parts);
  signal?.throwIfAborted();
  // Parts named by the manifest but not asked for are parsed (a typo still fails) but their files are left alone.
  const encoderEntries = ENCODERS.filter((row) => parts.includes(row.key)).map((row) => ({ row, entry: manifest[row.key]! }));
  const classifierEntry = parts.includes('classifier') ? manifest.classifier : undefined;

  const chunkLength =
    requested !== undefined && manifest.chunkLength !== undefined
      ? chooseChunkLength(requested, manifest.chunkLength, force, manifestFile)
      : undefined;

  const resolve = (name: string): string => path.resolve(root, name);
  const files = [...encoderEntries.map(({ entry }) => entry), ...(classifierEntry ? [classifierEntry] : [])].flatMap((entry) => [
    entry.onnx,
    ...entry.externalData,
  ]);
  for (const name of files) await mustExist(resolve(name), manifestFile);
  // Tokenizers are parsed before the checksums are verified (a broken tokenizer.json is TOKENIZER_INVALID
  // whatever its checksum), and their bytes kept for that verification: each file is read once.
  const tokenizerBytes = new Map<string, Buffer>();
  const tokenizers: Partial<Record<EncoderName, Tokenizer>> = {};
  for (const { row, entry } of encoderEntries) {
    if (entry.tokenizer === ESM2_TOKENIZER) {
      tokenizers[row.key] = new Esm2Tokenizer();
      continue;
    }
    const file = resolve(entry.tokenizer);
    const bytes = await readTokenizerFile(file);
    tokenizerBytes.set(path.posix.normalize(entry.tokenizer), bytes);
    tokenizers[row.key] = parseBpeTokenizer(bytes.toString('utf8'), file);
  }

  const verifiedChecksums: string[] = [];
  if (verifyChecksums) {
    const skipped = unusedFiles(manifest, parts);
    for (const [name, expected] of Object.entries(manifest.checksums)) {
      if (skipped.has(name)) continue;
      const file = resolve(name);
      const held = tokenizerBytes.get(path.posix.normalize(name));
      if (!held) await mustExist(file, manifestFile);
      const actual = held ? sha256Bytes(held) : await sha256File(file, signal);
      if (actual !== expected) {
        throw new VirnucproError('MODEL_LOAD', `sha256 ${actual} does not match checksums."${name}" (${expected})`, {
          position: { file },
          hint: 'the file is corrupt, truncated or was replaced: download or export it again (--skip-checksums skips this check)',
        });
      }
      verifiedChecksums.push(name);
    }
  }

  // Names compared normalised: "./esm2.onnx" in an entry is the "esm2.onnx" of checksums.
  const verified = new Map(verifiedChecksums.map((name) => [path.posix.normalize(name), manifest.checksums[name]!]));
  const listed = new Set(Object.keys(manifest.checksums).map((name) => path.posix.normalize(name)));
  const loadedFiles: Record<string, string> = {};
  const tokenizerFiles = encoderEntries.flatMap(({ entry }) => (entry.tokenizer === ESM2_TOKENIZER ? [] : [entry.tokenizer]));
  for (const name of [...files, ...tokenizerFiles]) loadedFiles[name] = verified.get(path.posix.normalize(name)) ?? UNVERIFIED;
  const missingChecksums = Object.keys(loadedFiles).filter((name) => !listed.has(path.posix.normalize(name)));

  const encoders: BundleEncoder[] = [];
  for (const { row, entry } of encoderEntries) encoders.push(await encoder(entry, row, resolve));
  const classifier = classifierEntry && (await classifierModel(classifierEntry, resolve));
  // The classifier takes the encoders' features side by side, in the list's order: their widths must add up.
  const features = encoders.reduce((sum, { hiddenSize }) => sum + hiddenSize, 0);
  if (classifier && encoders.length === ENCODERS.length && classifier.inputWidth !== features) {
    throw new VirnucproError(
      'BUNDLE_MISMATCH',
      `classifier.inputWidth: the classifier takes ${classifier.inputWidth} features, but ` +
        `${encoders.map(({ label, hiddenSize }) => `${label}.hiddenSize ${hiddenSize}`).join(' + ')} = ${features}`,
      {
        position: { file: classifier.file },
        hint: 'the three models come from different sets: export them together (tools/export_bundle.py)',
      },
    );
  }

  return {
    dir: root,
    manifestFile,
    manifestSha256: sha256Bytes(manifestBytes),
    name: manifest.name ?? path.basename(root),
    ...(manifest.chunkLength !== undefined ? { chunkLength: manifest.chunkLength } : {}),
    ...(chunkLength?.forced ? { forcedChunkLength: chunkLength.chunkLength } : {}),
    meaningless: manifest.meaningless,
    provenance: manifest.provenance,
    verifiedChecksums,
    loadedFiles,
    missingChecksums,
    tokenizers,
    encoders,
    ...(Object.fromEntries(encoders.map((model) => [model.label, model])) as Partial<Record<EncoderName, BundleEncoder>>),
    ...(classifier ? { classifier } : {}),
  } as PartialBundle<BundlePart>;
}

/**
 * Files that only parts not being loaded use: their checksums are skipped (an 11 GiB ESM-2 file is not read
 * to embed DNA). With every part loaded this is empty, so every listed checksum is verified.
 */
function unusedFiles(manifest: PartialManifest<BundlePart>, parts: readonly BundlePart[]): Set<string> {
  const filesOf = (part: BundlePart): string[] => {
    const entry = manifest[part];
    if (!entry) return [];
    const tokenizer = 'tokenizer' in entry && entry.tokenizer !== ESM2_TOKENIZER ? [entry.tokenizer] : [];
    return [entry.onnx, ...entry.externalData, ...tokenizer];
  };
  const used = new Set(parts.flatMap(filesOf));
  return new Set(
    BUNDLE_PARTS.filter((part) => !parts.includes(part))
      .flatMap(filesOf)
      .filter((name) => !used.has(name)),
  );
}

/** Fills in defaults and checks every option, throwing a TypeError that names the bad one. */
export function resolveLoadBundleOptions(
  options: LoadBundleOptions & { readonly parts?: readonly BundlePart[] },
): ResolvedLoadBundleOptions {
  const resolved: ResolvedLoadBundleOptions = {
    chunkLength: chunkLengthOption(options.chunkLength ?? DEFAULT_LOAD_BUNDLE.chunkLength),
    force: options.force ?? DEFAULT_LOAD_BUNDLE.force,
    verifyChecksums: options.verifyChecksums ?? DEFAULT_LOAD_BUNDLE.verifyChecksums,
    parts: options.parts ?? DEFAULT_LOAD_BUNDLE.parts,
    signal: options.signal ?? DEFAULT_LOAD_BUNDLE.signal,
  };
  if (
    !Array.isArray(resolved.parts) ||
    resolved.parts.length === 0 ||
    !resolved.parts.every((part) => (BUNDLE_PARTS as readonly string[]).includes(part))
  ) {
    throw new TypeError(`options.parts must be a non-empty list of ${BUNDLE_PARTS.join(', ')} (got ${JSON.stringify(resolved.parts)})`);
  }
  if (typeof resolved.force !== 'boolean') throw new TypeError(`options.force must be a boolean (got ${String(resolved.force)})`);
  if (typeof resolved.verifyChecksums !== 'boolean') {
    throw new TypeError(`options.verifyChecksums must be a boolean (got ${String(resolved.verifyChecksums)})`);
  }
  return resolved;
}

async function readManifest(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    // A mistyped --models path deserves to hear that the directory itself does not exist.
    const dir = path.dirname(file);
    const noDirectory =
      missing &&
      !(await stat(dir).then(
        (info) => info.isDirectory(),
        () => false,
      ));
    const message = noDirectory
      ? 'this model bundle directory does not exist'
      : missing
        ? 'no manifest.json: this directory is not a model bundle'
        : `cannot read: ${(error as Error).message}`;
    throw new VirnucproError('BUNDLE_INVALID', message, {
      position: { file: noDirectory ? dir : file },
      hint: 'point --models at a bundle directory (docs/model-bundle.md says how to get or assemble one)',
      cause: error,
    });
  }
}

async function mustExist(file: string, manifestFile: string): Promise<void> {
  try {
    await access(file);
  } catch (error) {
    throw new VirnucproError('MODEL_LOAD', `file named in ${path.basename(manifestFile)} is missing or unreadable`, {
      position: { file },
      hint: 'paths in manifest.json are relative to the bundle directory; copy the file there or fix the path',
      cause: error,
    });
  }
}

async function encoder(
  entry: ManifestEncoder,
  { key: label, reads }: (typeof ENCODERS)[number],
  resolve: (name: string) => string,
): Promise<BundleEncoder> {
  const origin: ModelOrigin = { file: resolve(entry.onnx), label };
  const declared = checkEmbeddingInterface(
    await readOnnxInterface(origin.file),
    {
      inputIds: entry.inputs.inputIds,
      attentionMask: entry.inputs.attentionMask,
      output: entry.output,
      pooledOutput: entry.pooledOutput,
    },
    origin,
  );
  return {
    kind: 'embedding',
    label,
    reads,
    file: origin.file,
    inputIds: entry.inputs.inputIds,
    attentionMask: entry.inputs.attentionMask,
    output: entry.output,
    ...(entry.pooledOutput !== undefined ? { pooledOutput: entry.pooledOutput } : {}),
    pooling: entry.pooling,
    hiddenSize: agreedWidth(entry.hiddenSize, declared, origin, 'hiddenSize'),
    tokenizer: entry.tokenizer === ESM2_TOKENIZER ? ESM2_TOKENIZER : resolve(entry.tokenizer),
    ...(entry.maxTokens !== undefined ? { maxTokens: entry.maxTokens } : {}),
    externalData: entry.externalData.map(resolve),
  };
}

async function classifierModel(entry: ManifestClassifier, resolve: (name: string) => string): Promise<BundleClassifier> {
  const origin: ModelOrigin = { file: resolve(entry.onnx), label: 'classifier' };
  const binding = checkClassifierInterface(await readOnnxInterface(origin.file), entry, origin);
  return {
    kind: 'classifier',
    label: 'classifier',
    file: origin.file,
    input: binding.input,
    output: binding.output,
    inputWidth: agreedWidth(entry.inputWidth, binding.inputWidth, origin, 'inputWidth'),
    externalData: entry.externalData.map(resolve),
  };
}
