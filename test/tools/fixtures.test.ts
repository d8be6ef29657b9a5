import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';

// Consistency of the committed fixtures (tools/make_fixtures.py): the ONNX files, run here by onnxruntime-node,
// reproduce what PyTorch computed one sequence at a time on the machine that generated them.
const MODELS = path.join(REPO_ROOT, 'test/fixtures/models');
const PIPELINE = path.join(REPO_ROOT, 'test/fixtures/pipeline');
/** float32 models on two runtimes and two machines: a few float32 ulps of O(1) values. */
const TOLERANCE = 1e-5;

interface EmbeddingIndex {
  hiddenSize: number;
  file: string;
  pooling: string;
  rows: { ids: number[]; offset: number }[];
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

/** Mean over the pooling span of one unpadded row's hidden states (spec §5-6), in float64. */
function pool(hidden: Float32Array, tokens: number, width: number, pooling: string): Float64Array {
  const [start, end] = pooling === 'mean' ? [0, tokens] : [1, 1 + Math.min(1024, tokens - 2)];
  const out = new Float64Array(width);
  for (let t = start; t < end; t++) for (let k = 0; k < width; k++) out[k]! += hidden[t * width + k]!;
  return out.map((v) => v / (end - start));
}

async function embeddings(onnx: string, index: EmbeddingIndex): Promise<number> {
  const session = await ort.InferenceSession.create(path.join(MODELS, onnx));
  const raw = readFileSync(path.join(MODELS, 'reference', index.file));
  const expected = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  let worst = 0;
  for (const row of index.rows) {
    const dims = [1, row.ids.length];
    const ids = new ort.Tensor('int64', BigInt64Array.from(row.ids, BigInt), dims);
    const mask = new ort.Tensor('int64', new BigInt64Array(row.ids.length).fill(1n), dims);
    const out = await session.run({ input_ids: ids, attention_mask: mask });
    const got = pool(out['last_hidden_state']!.data as Float32Array, row.ids.length, index.hiddenSize, index.pooling);
    worst = Math.max(worst, maxAbsDiff(got, expected.subarray(row.offset, row.offset + index.hiddenSize)));
  }
  return worst;
}

describe('committed model fixtures', () => {
  for (const [kind, onnx] of [
    ['dna', 'dnabert_s.onnx'],
    ['protein', 'esm2.onnx'],
  ] as const) {
    it(`${onnx} reproduces the PyTorch reference embeddings (|diff| <= ${TOLERANCE})`, async () => {
      const index = JSON.parse(readFileSync(path.join(MODELS, 'reference', `${kind}_embeddings.json`), 'utf8')) as EmbeddingIndex;
      expect(await embeddings(onnx, index)).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  for (const chunk of [300, 500]) {
    it(`classifier_${chunk}.onnx gives the pipeline reference scores from its features (|diff| <= ${TOLERANCE})`, async () => {
      const frames = readFileSync(path.join(PIPELINE, `chunk${chunk}`, 'frames.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { features: string[]; scores: string[]; prediction: string });
      const session = await ort.InferenceSession.create(path.join(MODELS, `classifier_${chunk}.onnx`));
      const width = frames[0]!.features.length;
      const features = Float32Array.from(frames.flatMap((f) => f.features.map(Number)));
      const { logits } = await session.run({ features: new ort.Tensor('float32', features, [frames.length, width]) });
      const data = logits!.data as Float32Array;
      const scores = frames.flatMap((_, i) => {
        const [a, b] = [data[2 * i]!, data[2 * i + 1]!];
        const m = Math.max(a, b);
        const [ea, eb] = [Math.exp(a - m), Math.exp(b - m)];
        return [ea / (ea + eb), eb / (ea + eb)];
      });
      expect(
        maxAbsDiff(
          scores,
          frames.flatMap((f) => f.scores.map(Number)),
        ),
      ).toBeLessThanOrEqual(TOLERANCE);
      const labels = frames.map((f) => f.prediction);
      expect(labels).toContain('virus');
      expect(labels).toContain('others');
    });
  }
});
