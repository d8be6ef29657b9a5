import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirnucproError } from '../../src/errors.js';
import { loadBundle, resolveLoadBundleOptions, type LoadBundleOptions } from '../../src/model/bundle.js';
import { BpeTokenizer, Esm2Tokenizer, loadBpeTokenizer } from '../../src/tokenize/index.js';
import { REPO_ROOT } from '../support/shared.js';
import { onnxFixture } from './support/fixtureModels.js';
import { MINIMAL_MANIFEST } from './support/minimalManifest.js';

/** A bundle directory around the tiny fixtures: 6-wide encoders for both models, a 12-wide classifier. */
const FILES: Readonly<Record<string, string>> = {
  'dna.onnx': 'encoder_h6.onnx',
  'protein.onnx': 'encoder_h6.onnx',
  'classifier.onnx': 'classifier_w12.onnx',
  'h4.onnx': 'encoder_h4.onnx',
  'pooled.onnx': 'encoder_pooled.onnx',
  'wrong_output.onnx': 'encoder_wrong_output.onnx',
  'truncated.onnx': 'truncated.onnx',
};

/** A small valid BPE tokenizer.json: the demo bundle's. */
const DEMO = path.join(REPO_ROOT, 'models', 'demo');
const DEMO_TOKENIZER = path.join(DEMO, 'tokenizer.json');

const MANIFEST = MINIMAL_MANIFEST;

let root: string;
let bundleCount = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'virnucpro-bundle-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes a fresh bundle directory with `manifest` (an object, or raw text) and returns its path. */
async function bundle(manifest: unknown, omit: readonly string[] = []): Promise<string> {
  const dir = path.join(root, `bundle-${bundleCount++}`);
  await mkdir(dir);
  for (const [name, fixture] of Object.entries(FILES)) {
    if (!omit.includes(name)) await copyFile(onnxFixture(fixture), path.join(dir, name));
  }
  if (!omit.includes('tokenizer.json')) await copyFile(DEMO_TOKENIZER, path.join(dir, 'tokenizer.json'));
  await writeFile(path.join(dir, 'manifest.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest, null, 2));
  return dir;
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

async function refused(dir: string, options: LoadBundleOptions = {}): Promise<VirnucproError> {
  const error = await loadBundle(dir, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VirnucproError);
  expect((error as VirnucproError).hint).toBeTruthy();
  return error as VirnucproError;
}

describe('loadBundle: a valid bundle', () => {
  it('resolves paths and reads widths and names from the ONNX files', async () => {
    const dir = await bundle({ ...MANIFEST, provenance: { tool: 'test' }, meaningless: true });
    const loaded = await loadBundle(dir, { chunkLength: 500 });
    expect(loaded).toMatchObject({
      dir,
      manifestFile: path.join(dir, 'manifest.json'),
      name: path.basename(dir),
      chunkLength: 500,
      meaningless: true,
      provenance: { tool: 'test' },
      verifiedChecksums: [],
    });
    expect(loaded.forcedChunkLength).toBeUndefined();
    expect(loaded.dna).toEqual({
      kind: 'embedding',
      label: 'dna',
      reads: 'nucleotides',
      file: path.join(dir, 'dna.onnx'),
      inputIds: 'input_ids',
      attentionMask: 'attention_mask',
      output: 'last_hidden_state',
      pooling: 'mean',
      hiddenSize: 6,
      tokenizer: path.join(dir, 'tokenizer.json'),
      externalData: [],
    });
    expect(loaded.protein).toMatchObject({ label: 'protein', pooling: 'mean-residues', hiddenSize: 6, tokenizer: 'esm2' });
    // The encoders as a list in the classifier's feature order, each also the bundle's field of its name.
    expect(loaded.encoders).toEqual([loaded.dna, loaded.protein]);
    expect(loaded.encoders.map(({ label, reads }) => [label, reads])).toEqual([
      ['dna', 'nucleotides'],
      ['protein', 'protein'],
    ]);
    expect(loaded.classifier).toEqual({
      kind: 'classifier',
      label: 'classifier',
      file: path.join(dir, 'classifier.onnx'),
      input: 'features',
      output: 'logits',
      inputWidth: 12,
      externalData: [],
    });
  });

  it('accepts stated widths that agree, a pooled output and maxTokens', async () => {
    const dir = await bundle({
      ...MANIFEST,
      name: 'fixture',
      dna: { ...MANIFEST.dna, onnx: 'pooled.onnx', hiddenSize: 6, pooledOutput: 'pooled_mean', maxTokens: 512 },
      classifier: { ...MANIFEST.classifier, inputWidth: 12, input: 'features', output: 'logits' },
    });
    const loaded = await loadBundle(dir);
    expect(loaded.name).toBe('fixture');
    expect(loaded.dna).toMatchObject({ pooledOutput: 'pooled_mean', maxTokens: 512, hiddenSize: 6 });
  });

  it('reads a manifest named directly, resolving paths against its directory', async () => {
    const dir = await bundle(MANIFEST);
    const other = path.join(dir, 'manifest-300.json');
    await writeFile(other, JSON.stringify({ ...MANIFEST, chunkLength: 300, name: 'three hundred' }));
    const loaded = await loadBundle(other, { chunkLength: 300 });
    expect([loaded.dir, loaded.manifestFile, loaded.name, loaded.chunkLength]).toEqual([dir, other, 'three hundred', 300]);
    expect(loaded.dna.file).toBe(path.join(dir, 'dna.onnx'));
    expect((await loadBundle(dir)).manifestFile).toBe(path.join(dir, 'manifest.json'));
  });

  it('verifies sha256 checksums, and can skip them', async () => {
    const sums = {
      'dna.onnx': `sha256:${await sha256(onnxFixture('encoder_h6.onnx'))}`,
      'classifier.onnx': `sha256:${await sha256(onnxFixture('classifier_w12.onnx'))}`,
    };
    const dir = await bundle({ ...MANIFEST, checksums: sums });
    expect((await loadBundle(dir)).verifiedChecksums).toEqual(['dna.onnx', 'classifier.onnx']);
    await writeFile(path.join(dir, 'classifier.onnx'), await readFile(onnxFixture('encoder_h4.onnx'))); // replaced
    const error = await refused(dir);
    expect(error.code).toBe('MODEL_LOAD');
    expect(error.position?.file).toBe(path.join(dir, 'classifier.onnx'));
    expect(error.message).toMatch(/does not match checksums\."classifier\.onnx"/);
    expect(error.hint).toMatch(/--skip-checksums/);
    // Skipped, the replaced file is caught by the interface check instead.
    expect((await refused(dir, { verifyChecksums: false })).code).toBe('BUNDLE_INVALID');
  });
});

describe('loadBundle: each file read and parsed once', () => {
  it('hashes the manifest bytes it parsed, and returns the tokenizers parsed (the DNA tokenizer.json once, checksum and parse)', async () => {
    const tokenizerSum = `sha256:${await sha256(DEMO_TOKENIZER)}`;
    const dir = await bundle({ ...MANIFEST, checksums: { 'tokenizer.json': tokenizerSum } });
    const loaded = await loadBundle(dir);
    expect(loaded.manifestSha256).toBe(
      createHash('sha256')
        .update(await readFile(path.join(dir, 'manifest.json')))
        .digest('hex'),
    );
    expect(loaded.verifiedChecksums).toEqual(['tokenizer.json']);
    const bytes = new TextEncoder().encode('ACGTTGCAACGT');
    expect(loaded.tokenizers.dna).toBeInstanceOf(BpeTokenizer);
    expect([...loaded.tokenizers.dna.encode(bytes)]).toEqual([...(await loadBpeTokenizer(DEMO_TOKENIZER)).encode(bytes)]);
    expect(loaded.tokenizers.protein).toBeInstanceOf(Esm2Tokenizer);
  });

  it('verifies a tokenizer.json checksum against the bytes it parses', async () => {
    const dir = await bundle({ ...MANIFEST, checksums: { './tokenizer.json': `sha256:${'0'.repeat(64)}` } });
    const error = await refused(dir);
    expect(error.code).toBe('MODEL_LOAD');
    expect(error.message).toMatch(/does not match checksums\."\.\/tokenizer\.json"/);
  });
});

describe('loadBundle: the shipped bundles', () => {
  it('models/demo loads with its checksums verified and is marked meaningless', async () => {
    const demo = await loadBundle(DEMO, { chunkLength: 500 });
    expect(demo.meaningless).toBe(true);
    expect([...demo.verifiedChecksums].sort()).toEqual(['classifier_500.onnx', 'dnabert_s.onnx', 'esm2.onnx', 'tokenizer.json']);
    expect(demo.classifier.inputWidth).toBe(demo.dna.hiddenSize + demo.protein.hiddenSize);
  });
});

describe('loadBundle: chunk length (the 300/500 mix-up)', () => {
  it('refuses a bundle made for another chunk length with BUNDLE_MISMATCH', async () => {
    const dir = await bundle(MANIFEST);
    const error = await refused(dir, { chunkLength: 300 });
    expect(error.code).toBe('BUNDLE_MISMATCH');
    expect(error.message).toMatch(/chunkLength: this bundle's classifier was trained on 500-bp chunks, but the run uses 300/);
    expect(error.position?.file).toBe(path.join(dir, 'manifest.json'));
    expect(error.hint).toMatch(/--force/);
  });

  it('accepts it with force and records the forced length', async () => {
    const loaded = await loadBundle(await bundle(MANIFEST), { chunkLength: 300, force: true });
    expect([loaded.chunkLength, loaded.forcedChunkLength]).toEqual([500, 300]);
  });

  it('validates its options with a TypeError naming the option', () => {
    expect(() => resolveLoadBundleOptions({ chunkLength: 400 })).toThrow(/options\.chunkLength must be 300 or 500/);
    expect(() => resolveLoadBundleOptions({ force: 'yes' as never })).toThrow(/options\.force/);
    expect(() => resolveLoadBundleOptions({ verifyChecksums: 0 as never })).toThrow(/options\.verifyChecksums/);
  });
});

describe('loadBundle: broken bundles', () => {
  it('a directory without manifest.json is BUNDLE_INVALID', async () => {
    const dir = path.join(root, 'empty');
    await mkdir(dir);
    const error = await refused(dir);
    expect(error.code).toBe('BUNDLE_INVALID');
    expect(error.message).toMatch(/no manifest\.json/);
  });

  it('a manifest field error is BUNDLE_INVALID naming manifest.json and the field', async () => {
    const dir = await bundle({ ...MANIFEST, dna: { ...MANIFEST.dna, hiddenSize: -1 } });
    const error = await refused(dir);
    expect(error.code).toBe('BUNDLE_INVALID');
    expect(error.message).toBe(`${path.join(dir, 'manifest.json')}: dna.hiddenSize: expected an integer >= 1, found number -1`);
  });

  it('a missing ONNX file is MODEL_LOAD naming it', async () => {
    const dir = await bundle(MANIFEST, ['protein.onnx']);
    const error = await refused(dir);
    expect(error.code).toBe('MODEL_LOAD');
    expect(error.position?.file).toBe(path.join(dir, 'protein.onnx'));
  });

  it("a missing or broken DNA tokenizer is TOKENIZER_INVALID naming it (src/tokenize's loader)", async () => {
    const missing = await bundle(MANIFEST, ['tokenizer.json']);
    const error = await refused(missing);
    expect([error.code, error.position?.file]).toEqual(['TOKENIZER_INVALID', path.join(missing, 'tokenizer.json')]);
    const broken = await bundle(MANIFEST);
    await writeFile(path.join(broken, 'tokenizer.json'), '{"model": {"type": "WordPiece"}}');
    await expect(loadBundle(broken)).rejects.toMatchObject({
      code: 'TOKENIZER_INVALID',
      position: { file: path.join(broken, 'tokenizer.json') },
    });
  });

  it('a missing external-data file is MODEL_LOAD naming it', async () => {
    const dir = await bundle({ ...MANIFEST, protein: { ...MANIFEST.protein, externalData: ['protein.onnx.data'] } });
    expect((await refused(dir)).position?.file).toBe(path.join(dir, 'protein.onnx.data'));
  });

  it('a truncated ONNX file is MODEL_LOAD naming it', async () => {
    const dir = await bundle({ ...MANIFEST, dna: { ...MANIFEST.dna, onnx: 'truncated.onnx' } });
    const error = await refused(dir);
    expect(error.code).toBe('MODEL_LOAD');
    expect(error.position?.file).toBe(path.join(dir, 'truncated.onnx'));
  });

  it('a model without the named output is BUNDLE_INVALID naming the field and the file', async () => {
    const dir = await bundle({ ...MANIFEST, protein: { onnx: 'wrong_output.onnx' } });
    const error = await refused(dir);
    expect(error.code).toBe('BUNDLE_INVALID');
    expect(error.position?.file).toBe(path.join(dir, 'wrong_output.onnx'));
    expect(error.message).toMatch(/protein\.output: the model has no output 'last_hidden_state' \(its outputs: 'hidden_states'\)/);
    expect(error.hint).toMatch(/"protein\.output"/);
    // Naming the real output fixes it.
    const fixed = await bundle({ ...MANIFEST, protein: { onnx: 'wrong_output.onnx', output: 'hidden_states' } });
    expect((await loadBundle(fixed)).protein.output).toBe('hidden_states');
  });

  it('renamed inputs that the model lacks are BUNDLE_INVALID', async () => {
    const dir = await bundle({ ...MANIFEST, dna: { ...MANIFEST.dna, inputs: { inputIds: 'ids' } } });
    expect((await refused(dir)).message).toMatch(/dna\.inputs: the model needs input 'input_ids', which virnucpro does not feed/);
  });

  it('a stated hidden size the file contradicts is BUNDLE_INVALID', async () => {
    const dir = await bundle({ ...MANIFEST, dna: { ...MANIFEST.dna, hiddenSize: 768 } });
    const error = await refused(dir);
    expect(error.code).toBe('BUNDLE_INVALID');
    expect(error.message).toMatch(/dna\.hiddenSize: manifest\.json says 768, the ONNX file says 6/);
  });

  it('a classifier width other than dna + protein hidden sizes is BUNDLE_MISMATCH', async () => {
    const dir = await bundle({ ...MANIFEST, protein: { onnx: 'h4.onnx' } });
    const error = await refused(dir);
    expect(error.code).toBe('BUNDLE_MISMATCH');
    expect(error.message).toMatch(/classifier takes 12 features, but dna\.hiddenSize 6 \+ protein\.hiddenSize 4 = 10/);
  });

  it('a classifier named as an encoder is BUNDLE_INVALID (wrong input type)', async () => {
    const dir = await bundle({ ...MANIFEST, classifier: { onnx: 'dna.onnx', input: 'input_ids' } });
    expect((await refused(dir)).message).toMatch(/classifier\.input: input 'input_ids' is int64, expected float32/);
  });
});
