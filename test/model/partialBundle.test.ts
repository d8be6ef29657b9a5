import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { VirnucproError } from '../../src/errors.js';
import { loadBundle, type BundleEncoder, type ModelBundle, type PartialBundle } from '../../src/model/bundle.js';
import { parseManifest, parseManifestParts } from '../../src/model/manifest.js';
import { REPO_ROOT } from '../support/shared.js';
import { onnxFixture } from './support/fixtureModels.js';

/**
 * loadBundle with `parts`: a bundle assembled around one encoder (what `virnucpro embed` needs). The files
 * of parts not asked for are never opened, so the tests leave them out of the directory or corrupt them.
 */
const DEMO_TOKENIZER = path.join(REPO_ROOT, 'models', 'demo', 'tokenizer.json');
const HEAD = { format: 'virnucpro-bundle', formatVersion: 1 };
const FILE = '/bundles/b/manifest.json';

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'virnucpro-partial-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A bundle directory holding `files` (name → fixture path) and `manifest`. */
async function bundle(manifest: object, files: Readonly<Record<string, string>>): Promise<string> {
  const dir = path.join(root, `b${count++}`);
  await mkdir(dir);
  for (const [name, source] of Object.entries(files)) await copyFile(source, path.join(dir, name));
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

async function refusal(promise: Promise<unknown>): Promise<VirnucproError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VirnucproError);
  return error as VirnucproError;
}

describe('parseManifestParts', () => {
  it('needs only the parts asked for, and the chunk length only with the classifier', () => {
    const text = JSON.stringify({ ...HEAD, protein: { onnx: 'esm.onnx' } });
    const manifest = parseManifestParts(text, FILE, ['protein']);
    expect(manifest.protein).toMatchObject({ onnx: 'esm.onnx', tokenizer: 'esm2', pooling: 'mean-residues' });
    expect(manifest).not.toHaveProperty('dna');
    expect(manifest).not.toHaveProperty('chunkLength');
    expect(() => parseManifestParts(text, FILE, ['dna'])).toThrow(/dna: required field is missing/);
    expect(() => parseManifest(text, FILE)).toThrow(/chunkLength: required field is missing/);
  });

  it('still checks a part it was not asked for when the manifest names it', () => {
    const text = JSON.stringify({ ...HEAD, protein: { onnx: 'esm.onnx' }, dna: { onnx: 'd.onnx', tokenizer: 't.json', hiddensize: 4 } });
    expect(() => parseManifestParts(text, FILE, ['protein'])).toThrow(/dna\.hiddensize: unknown field/);
  });
});

describe('loadBundle({ parts })', () => {
  it('loads a bundle around one DNA model and its tokenizer, without chunk length or other models', async () => {
    const dir = await bundle(
      { ...HEAD, dna: { onnx: 'dna.onnx', tokenizer: 'tokenizer.json' } },
      {
        'dna.onnx': onnxFixture('encoder_h6.onnx'),
        'tokenizer.json': DEMO_TOKENIZER,
      },
    );
    const loaded = await loadBundle(dir, { parts: ['dna'] });
    expect(loaded.dna).toMatchObject({ kind: 'embedding', label: 'dna', hiddenSize: 6, file: path.join(dir, 'dna.onnx') });
    expect(loaded.chunkLength).toBeUndefined();
    expect(loaded).not.toHaveProperty('protein');
    expectTypeOf(loaded).toEqualTypeOf<PartialBundle<'dna'>>();
    expectTypeOf(loaded.dna).toEqualTypeOf<BundleEncoder>();
    // @ts-expect-error only the dna part was asked for
    void loaded.protein;
  });

  it('leaves the files of the other parts alone (missing, corrupt, checksums) but checks its own', async () => {
    const manifest = {
      ...HEAD,
      chunkLength: 500,
      dna: { onnx: 'absent.onnx', tokenizer: 'absent.json' },
      protein: { onnx: 'protein.onnx' },
      classifier: { onnx: 'truncated.onnx' },
      checksums: { 'truncated.onnx': `sha256:${'0'.repeat(64)}`, 'protein.onnx': `sha256:${'0'.repeat(64)}` },
    };
    const files = { 'protein.onnx': onnxFixture('encoder_h4.onnx'), 'truncated.onnx': onnxFixture('truncated.onnx') };
    const dir = await bundle(manifest, files);
    // protein.onnx's own checksum is wrong: checked, and refused.
    expect((await refusal(loadBundle(dir, { parts: ['protein'] }))).message).toMatch(/does not match checksums\."protein\.onnx"/);
    const loaded = await loadBundle(dir, { parts: ['protein'], verifyChecksums: false });
    expect([loaded.protein.hiddenSize, loaded.chunkLength]).toEqual([4, 500]);
    const fixed = await bundle({ ...manifest, checksums: { 'truncated.onnx': manifest.checksums['truncated.onnx'] } }, files);
    expect((await loadBundle(fixed, { parts: ['protein'] })).verifiedChecksums).toEqual([]);
  });

  it('refuses a manifest that lacks the part asked for, naming it', async () => {
    const dir = await bundle({ ...HEAD, protein: { onnx: 'protein.onnx' } }, { 'protein.onnx': onnxFixture('encoder_h4.onnx') });
    const error = await refusal(loadBundle(dir, { parts: ['dna'] }));
    expect(error.code).toBe('BUNDLE_INVALID');
    expect(error.message).toMatch(/dna: required field is missing/);
  });

  it('without parts, loads and types the whole bundle as before', async () => {
    const dir = await bundle({ ...HEAD, protein: { onnx: 'protein.onnx' } }, { 'protein.onnx': onnxFixture('encoder_h4.onnx') });
    expect((await refusal(loadBundle(dir))).message).toMatch(/chunkLength: required field is missing/);
    // The overload without parts (TypeScript's ReturnType reads the last one).
    expectTypeOf<ReturnType<typeof loadBundle>>().toEqualTypeOf<Promise<ModelBundle>>();
    await expect(loadBundle(dir, { parts: [] })).rejects.toThrow(/options\.parts must be a non-empty list/);
  });
});
