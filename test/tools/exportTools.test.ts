import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';

// The export tooling is Python (tools/). CI installs Debian's python3-torch and python3-onnx for /usr/bin/python3;
// where they are missing these tests skip with a message rather than fail.
const PYTHON = '/usr/bin/python3';
const TOOLS = path.join(REPO_ROOT, 'tools');
const torchAvailable = spawnSync(PYTHON, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;
if (!torchAvailable)
  console.warn(`[skip] export tools: ${PYTHON} cannot import torch and onnx (apt-get install python3-torch python3-onnx)`);

const scratch = mkdtempSync(path.join(tmpdir(), 'virnucpro-export-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function python(args: string[]): string {
  const run = spawnSync(PYTHON, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
  if (run.status !== 0) throw new Error(`${PYTHON} ${args.join(' ')} exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  return run.stdout + run.stderr;
}

/** Run tools/tests/export_case.py and return its case.json and folder. */
function exportCase<T>(kind: string): { dir: string; case: T } {
  const dir = path.join(scratch, kind);
  python([path.join(TOOLS, 'tests', 'export_case.py'), kind, dir]);
  return { dir, case: JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8')) as T };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

describe.skipIf(!torchAvailable)('tools/ Python export tooling', () => {
  it('passes its unittest suite (safe unpickling, DNABERT-S module, classifier, pooling, spec rules, prediction comparison, the PyTorch bench peer)', () => {
    const output = python(['-m', 'unittest', 'discover', '-s', path.join(TOOLS, 'tests'), '-t', TOOLS]);
    expect(output).toMatch(/\nOK/);
  });

  it('converts a whole-pickled MLPClassifier to ONNX that gives the logits torch computed (|diff| <= 1e-5)', async () => {
    const { dir, case: c } = exportCase<{ onnx: string; features: number[][]; logits: number[][] }>('classifier');
    const session = await ort.InferenceSession.create(path.join(dir, c.onnx));
    expect(session.inputNames).toEqual(['features']);
    expect(session.outputNames).toEqual(['logits']);
    const width = c.features[0]!.length;
    const input = new ort.Tensor('float32', Float32Array.from(c.features.flat()), [c.features.length, width]);
    const { logits } = await session.run({ features: input });
    expect(logits!.dims).toEqual([c.features.length, 2]);
    expect(maxAbsDiff(logits!.data as Float32Array, c.logits.flat())).toBeLessThanOrEqual(1e-5);
  });

  it('exports DNABERT-S so a padded ONNX batch equals torch one row at a time (|diff| <= 1e-5), past 512 tokens', async () => {
    const { dir, case: c } = exportCase<{ onnx: string; padId: number; rows: number[][]; hidden: number[][][] }>('dnabert');
    const session = await ort.InferenceSession.create(path.join(dir, c.onnx));
    const width = Math.max(...c.rows.map((r) => r.length));
    const ids = new BigInt64Array(c.rows.length * width).fill(BigInt(c.padId));
    const mask = new BigInt64Array(c.rows.length * width);
    c.rows.forEach((row, i) =>
      row.forEach((id, j) => {
        ids[i * width + j] = BigInt(id);
        mask[i * width + j] = 1n;
      }),
    );
    const dims = [c.rows.length, width];
    const out = await session.run({ input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims) });
    const hidden = out['last_hidden_state']!;
    const size = hidden.dims[2]!;
    c.rows.forEach((row, i) => {
      const got = (hidden.data as Float32Array).subarray(i * width * size, (i * width + row.length) * size);
      expect(maxAbsDiff(got, c.hidden[i]!.flat())).toBeLessThanOrEqual(1e-5);
    });
  });
});
