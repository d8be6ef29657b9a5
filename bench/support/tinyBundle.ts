import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (found from this file, without test/support/shared.ts: the benchmark imports this, and that module imports vitest). */
const REPO_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();

/**
 * A near-zero-cost model bundle, assembled in `dir` from the closed-form ONNX fixtures of test/fixtures/onnx:
 * both encoders are `encoder_pooled.onnx` (an embedding lookup, a 6-wide projection and an in-graph pooled
 * mean), the classifier `classifier_w12.onnx` (one Linear 12 → 2). The encoders know 64 token ids, so the
 * DNA tokenizer is the demo bundle's BPE cut down to its first 64 tokens. Predictions are meaningless; the
 * point is a pipeline whose cost is everything but the models (tests that kill and resume runs, the
 * throughput benchmark's overhead figure).
 */
export async function writeTinyBundle(dir: string, chunkLength: 300 | 500 = 500): Promise<string> {
  await mkdir(dir, { recursive: true });
  const onnx = path.join(REPO_ROOT, 'test/fixtures/onnx');
  await copyFile(path.join(onnx, 'encoder_pooled.onnx'), path.join(dir, 'encoder.onnx'));
  await copyFile(path.join(onnx, 'classifier_w12.onnx'), path.join(dir, 'classifier.onnx'));
  await writeFile(path.join(dir, 'tokenizer.json'), await tinyTokenizer());
  const encoder = { onnx: 'encoder.onnx', hiddenSize: 6, pooledOutput: 'pooled_mean' };
  await writeFile(
    path.join(dir, 'manifest.json'),
    JSON.stringify(
      {
        format: 'virnucpro-bundle',
        formatVersion: 1,
        name: 'tiny (near-zero cost, meaningless)',
        chunkLength,
        dna: { ...encoder, tokenizer: 'tokenizer.json' },
        protein: encoder,
        classifier: { onnx: 'classifier.onnx', inputWidth: 12 },
        meaningless: true,
        provenance: { origin: 'bench/support/tinyBundle.ts from test/fixtures/onnx' },
      },
      null,
      2,
    ),
  );
  return dir;
}

/** Token ids the fixture encoders embed (make_onnx.py VOCAB). */
const ENCODER_VOCAB = 64;

async function tinyTokenizer(): Promise<string> {
  const demo = JSON.parse(await readFile(path.join(REPO_ROOT, 'models/demo/tokenizer.json'), 'utf8')) as {
    model: { vocab: Record<string, number>; merges: string[] };
  };
  const vocab = Object.fromEntries(Object.entries(demo.model.vocab).filter(([, id]) => id < ENCODER_VOCAB));
  const merges = demo.model.merges.filter((merge) => {
    const [left, right] = merge.split(' ');
    return left! in vocab && right! in vocab && `${left}${right}` in vocab;
  });
  return JSON.stringify({ ...demo, model: { ...demo.model, vocab, merges } });
}
