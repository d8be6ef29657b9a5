import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { REPO_ROOT, describeShared, sharedPath } from '../support/shared.js';
import { MODELS, readReference, type Reference } from '../embed/support/embedKit.js';
import { syntheticReads } from '../../bench/support/syntheticReads.js';
import { writeTinyBundle } from '../../bench/support/tinyBundle.js';

/**
 * `virnucpro embed` on bundles assembled from the real-architecture fixtures, against PyTorch's one-at-a-time
 * embeddings (test/fixtures/models/reference). The printed floats are parsed back; tolerance 1e-5.
 */
const TOLERANCE = 1e-5;
const HEAD = { format: 'virnucpro-bundle', formatVersion: 1 };

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'virnucpro-embed-cli-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A bundle directory with `files` (name → source path) and `manifest`. */
async function bundleDir(name: string, manifest: object, files: Readonly<Record<string, string>>): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, source] of Object.entries(files)) await copyFile(source, path.join(dir, file));
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

/** FASTA of the reference rows, ids `<prefix><k>`, wrapped at 60 letters; `lower` lower-cases every other record. */
function referenceFasta(reference: Reference, prefix: string, lower = false): string {
  return reference.rows
    .map((row, k) => {
      const sequence = lower && k % 2 === 1 ? row.sequence.toLowerCase() : row.sequence;
      return `>${prefix}${k} description\n${sequence.replace(/(.{60})/g, '$1\n').replace(/\n$/, '')}\n`;
    })
    .join('');
}

/** Parses the header and the `id<TAB>v1 v2 …` lines; checks input order and compares every row with the reference. */
function checkOutput(stdout: Buffer, reference: Reference, prefix: string): number {
  const lines = stdout.toString('latin1').split('\n');
  expect(lines.shift()).toBe('id\tembedding');
  expect(lines.pop()).toBe('');
  expect(lines.map((line) => line.split('\t')[0])).toEqual(reference.rows.map((_, k) => `${prefix}${k}`));
  let worst = 0;
  lines.forEach((line, k) => {
    const values = line.split('\t')[1]!.split(' ').map(Number);
    expect(values).toHaveLength(reference.hiddenSize);
    const expected = reference.embedding(k);
    values.forEach((value, j) => (worst = Math.max(worst, Math.abs(Math.fround(value) - expected[j]!))));
  });
  return worst;
}

describe('virnucpro embed --kind protein', () => {
  let reference: Reference;
  let dir: string;
  beforeAll(async () => {
    reference = await readReference('protein');
    // A partial bundle: one ONNX file and a manifest naming only it (no chunk length, no DNA, no classifier).
    dir = await bundleDir('protein-only', { ...HEAD, protein: { onnx: 'esm2.onnx' } }, { 'esm2.onnx': path.join(MODELS, 'esm2.onnx') });
    await writeFile(path.join(root, 'proteins.faa'), referenceFasta(reference, 'p'));
  });

  it('prints one line per record, in order, within 1e-5 of PyTorch, from a bundle holding only the protein model', async () => {
    const result = await runCli([
      'embed',
      '--models',
      dir,
      '--kind',
      'protein',
      '--token-budget',
      '2048',
      '--window',
      '8',
      path.join(root, 'proteins.faa'),
    ]);
    expect(result.stderr).not.toMatch(/ERRO/);
    expect(result.code).toBe(0);
    const worst = checkOutput(result.stdout, reference, 'p');
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
    expect(result.stderr).toMatch(/embed \(protein\): 23 records .* → 23 rows of 64 floats in [\d.]+ s \([\d,]+ rows\/s\)/);
    expect(result.stderr).toMatch(/packing: \d+ model batches, [\d.]+ % real \([\d,]+ of [\d,]+ padded tokens\)/);
  });

  it('reads stdin, and --quiet silences the summary', async () => {
    const result = await runCli(['embed', '-m', path.join(dir, 'manifest.json'), '-k', 'protein', '-q', '-'], {
      stdin: referenceFasta(reference, 'p'),
    });
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(checkOutput(result.stdout, reference, 'p')).toBeLessThanOrEqual(TOLERANCE);
  });

  it("refuses a record longer than the bundle's maxTokens, naming it, and exits (workers stopped)", async () => {
    const limited = await bundleDir(
      'protein-limited',
      { ...HEAD, protein: { onnx: 'esm2.onnx', maxTokens: 600 } },
      { 'esm2.onnx': path.join(MODELS, 'esm2.onnx') },
    );
    const result = await runCli(['embed', '-m', limited, '-k', 'protein', path.join(root, 'proteins.faa')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /proteins\.faa:\d+: record 'p\d+': sequence of \d+ tokens is longer than the model takes \(maxTokens 600\)/,
    );
  });
});

describe('virnucpro embed: errors', () => {
  it.each([
    [['--kind', 'dna', 'x.fa'], 2, /-m\/--models <dir> is required/],
    [['--models', 'nowhere', 'x.fa'], 2, /-k\/--kind \(dna or protein\) is required/],
    [['--models', 'nowhere', '--kind', 'rna', 'x.fa'], 2, /invalid -k\/--kind rna: available dna, protein/],
    [['--models', 'nowhere', '--kind', 'dna', '--token-budget', '0', 'x.fa'], 2, /invalid --token-budget 0: expected an integer >= 1/],
    [['--models', 'nowhere', '--kind', 'dna', '--device', 'tpu', 'x.fa'], 2, /invalid --device tpu: available cpu, cuda, webgpu/],
    [['--models', '/nonexistent-bundle', '--kind', 'dna', 'x.fa'], 4, /nonexistent-bundle: this model bundle directory does not exist/],
    [['--models', '/', '--kind', 'dna', 'x.fa'], 4, /\/manifest\.json: no manifest\.json: this directory is not a model bundle/],
  ])('%j exits %i', async (args, code, message) => {
    const result = await runCli(['embed', ...args]);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stdout.length).toBe(0);
  });

  it('exits 4 when the bundle lacks the model of --kind, or its file is missing', async () => {
    const proteinOnly = await bundleDir(
      'lacks-dna',
      { ...HEAD, protein: { onnx: 'esm2.onnx' } },
      { 'esm2.onnx': path.join(MODELS, 'esm2.onnx') },
    );
    const lacks = await runCli(['embed', '-m', proteinOnly, '-k', 'dna', '-'], { stdin: '>a\nACGT\n' });
    expect(lacks.code).toBe(4);
    expect(lacks.stderr).toMatch(/manifest\.json: dna: required field is missing/);
    const missing = await bundleDir('missing-file', { ...HEAD, protein: { onnx: 'absent.onnx' } }, {});
    const result = await runCli(['embed', '-m', missing, '-k', 'protein', '-'], { stdin: '>a\nMKV\n' });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/absent\.onnx: file named in manifest\.json is missing or unreadable/);
  });

  it('exits 3 on protein FASTA with --kind dna', async () => {
    const dir = await bundleDir(
      'dna-demo',
      { ...HEAD, dna: { onnx: 'dnabert_s.onnx', tokenizer: 'tokenizer.json' } },
      {
        'dnabert_s.onnx': path.join(REPO_ROOT, 'models', 'demo', 'dnabert_s.onnx'),
        'tokenizer.json': path.join(REPO_ROOT, 'models', 'demo', 'tokenizer.json'),
      },
    );
    const result = await runCli(['embed', '-m', dir, '-k', 'dna', '-'], { stdin: `>p\n${'MEFILPQKV'.repeat(20)}\n` });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/expected nucleotide sequences/);
  });
});

describeShared('virnucpro embed --kind dna (real DNABERT-S tokenizer)', () => {
  it('matches PyTorch within 1e-5 with the full pooled bundle, upper-casing lower-case records', async () => {
    const reference = await readReference('dna');
    const dir = path.join(root, 'dna-full');
    await mkdir(dir, { recursive: true });
    for (const name of ['dnabert_s_pooled.onnx', 'esm2_pooled.onnx', 'classifier_500.onnx', 'manifest-500-pooled.json']) {
      await copyFile(path.join(MODELS, name), path.join(dir, name));
    }
    await copyFile(sharedPath('models', 'dnabert-s', 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
    const result = await runCli(
      ['embed', '-m', path.join(dir, 'manifest-500-pooled.json'), '-k', 'dna', '--workers', '2', '-j', '2', '-'],
      { stdin: referenceFasta(reference, 'd', true) },
    );
    expect(result.stderr).not.toMatch(/ERRO/);
    expect(result.code).toBe(0);
    expect(checkOutput(result.stdout, reference, 'd')).toBeLessThanOrEqual(TOLERANCE);
    expect(result.stderr).toMatch(/embed \(dna\): 38 records/);
  });
});

describe('virnucpro embed: reproducible output', () => {
  it('gives the same bytes on every run of a multi-batch input (each input batch is packed on its own)', async () => {
    const tiny = await writeTinyBundle(path.join(root, 'tiny'));
    const input = path.join(root, 'three-batches.fa');
    await writeFile(input, syntheticReads(3500, 11)); // ~3 MB: three 1 MiB input batches
    const runs = await Promise.all([0, 1].map(() => runCli(['embed', '-q', '--models', tiny, '--kind', 'dna', input])));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(runs[0]!.stdout.toString('latin1').split('\n')).toHaveLength(3502); // header, 3 500 rows, ''
    expect(runs[1]!.stdout.equals(runs[0]!.stdout)).toBe(true);
  });
});
