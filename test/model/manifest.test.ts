import { describe, expect, it } from 'vitest';
import { VirnucproError } from '../../src/errors.js';
import { parseManifest } from '../../src/model/manifest.js';
import { MINIMAL_MANIFEST } from './support/minimalManifest.js';

const FILE = '/bundles/b/manifest.json';
const minimal = MINIMAL_MANIFEST;

/** The error parsing `manifest` (JSON text, or a value to serialise) throws. */
function invalid(manifest: unknown): VirnucproError {
  try {
    parseManifest(typeof manifest === 'string' ? manifest : JSON.stringify(manifest), FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(VirnucproError);
    expect((error as VirnucproError).code).toBe('BUNDLE_INVALID');
    expect((error as VirnucproError).position?.file).toBe(FILE);
    return error as VirnucproError;
  }
  throw new Error('manifest was accepted');
}

describe('parseManifest', () => {
  it('fills the documented defaults of a minimal manifest', () => {
    expect(parseManifest(JSON.stringify(minimal), FILE)).toEqual({
      formatVersion: 1,
      chunkLength: 500,
      dna: {
        onnx: 'dna.onnx',
        tokenizer: 'tokenizer.json',
        externalData: [],
        inputs: { inputIds: 'input_ids', attentionMask: 'attention_mask' },
        output: 'last_hidden_state',
        pooling: 'mean',
      },
      protein: {
        onnx: 'protein.onnx',
        tokenizer: 'esm2',
        externalData: [],
        inputs: { inputIds: 'input_ids', attentionMask: 'attention_mask' },
        output: 'last_hidden_state',
        pooling: 'mean-residues',
      },
      classifier: { onnx: 'classifier.onnx', externalData: [] },
      meaningless: false,
      provenance: {},
      checksums: {},
    });
  });

  it('keeps every optional field and lower-cases checksums', () => {
    const sum = 'AB'.repeat(32);
    const manifest = parseManifest(
      JSON.stringify({
        ...minimal,
        name: 'demo',
        dna: {
          ...minimal.dna,
          hiddenSize: 768,
          inputs: { inputIds: 'ids' },
          output: 'h',
          pooledOutput: 'pooled',
          pooling: 'mean',
          maxTokens: 512,
          externalData: ['dna.onnx.data'],
        },
        classifier: { onnx: 'c.onnx', input: 'features', output: 'logits', inputWidth: 3328 },
        meaningless: true,
        provenance: { tool: 'x' },
        checksums: { 'dna.onnx': `sha256:${sum}` },
      }),
      FILE,
    );
    expect(manifest.name).toBe('demo');
    expect(manifest.dna).toMatchObject({
      hiddenSize: 768,
      inputs: { inputIds: 'ids', attentionMask: 'attention_mask' },
      output: 'h',
      pooledOutput: 'pooled',
      maxTokens: 512,
      externalData: ['dna.onnx.data'],
    });
    expect(manifest.classifier).toEqual({ onnx: 'c.onnx', externalData: [], input: 'features', output: 'logits', inputWidth: 3328 });
    expect(manifest.meaningless).toBe(true);
    expect(manifest.provenance).toEqual({ tool: 'x' });
    expect(manifest.checksums).toEqual({ 'dna.onnx': 'ab'.repeat(32) });
  });

  it.each([
    ['bad JSON', '{', /not valid JSON/],
    ['another format', { ...minimal, format: 'zip' }, /format: expected "virnucpro-bundle", found "zip"/],
    ['a newer format version', { ...minimal, formatVersion: 2 }, /formatVersion: version 2 is newer than this virnucpro reads \(1\)/],
    ['a chunk length without a classifier', { ...minimal, chunkLength: 400 }, /chunkLength: 400 is not a chunk length/],
    ['a missing required field', { ...minimal, dna: { onnx: 'dna.onnx' } }, /dna\.tokenizer: required field is missing/],
    ['a missing model', { ...minimal, classifier: undefined }, /classifier: required field is missing/],
    ['a wrong type', { ...minimal, dna: { ...minimal.dna, hiddenSize: '768' } }, /dna\.hiddenSize: expected an integer >= 1, found "768"/],
    ['a misspelt field', { ...minimal, dna: { ...minimal.dna, hiddensize: 768 } }, /dna\.hiddensize: unknown field/],
    ['an unknown top-level field', { ...minimal, model: 1 }, /^model: unknown field/],
    [
      'another pooling',
      { ...minimal, protein: { ...minimal.protein, pooling: 'mean' } },
      /protein\.pooling: "mean" is not the pooling VirNucPro uses for protein/,
    ],
    ['an unknown pooling', { ...minimal, dna: { ...minimal.dna, pooling: 'max' } }, /dna\.pooling: "max" is not a pooling virnucpro knows/],
    ['another protein tokenizer', { ...minimal, protein: { ...minimal.protein, tokenizer: 'tok.json' } }, /protein\.tokenizer/],
    [
      'a malformed checksum',
      { ...minimal, checksums: { 'dna.onnx': 'md5:00' } },
      /checksums\.dna\.onnx: expected "sha256:" and 64 hex digits/,
    ],
    ['a non-string provenance', { ...minimal, provenance: { seed: 1 } }, /provenance\.seed: expected a string/],
    ['meaningless as a string', { ...minimal, meaningless: 'yes' }, /meaningless: expected true or false/],
    ['maxTokens below 3', { ...minimal, dna: { ...minimal.dna, maxTokens: 2 } }, /dna\.maxTokens: expected an integer >= 3/],
  ])('refuses %s with BUNDLE_INVALID naming the field', (_, manifest, message) => {
    const error = invalid(manifest);
    expect(error.message).toContain(FILE);
    expect(error.message.slice(FILE.length + 2)).toMatch(message);
    expect(error.hint).toBeTruthy();
  });
});
