/**
 * Benchmark 8b: tokens/s of our ONNX Runtime CPU path (the inference pool: one worker, intra-op threads =
 * --threads) against PyTorch on the CPU with the same threads, the same weights and the same padded
 * batches, side by side in one run, for a full-size DNABERT-S-shaped encoder and an ESM-2 t6_8M-shaped one
 * (random weights from tools/virnucpro_fixtures, in-graph pooled output as export_bundle.py writes it).
 *
 *   node dist/bench/e2e/ortVsTorch.js [--python python3] [--threads N] [--rounds 5] [--dna-rows 64]
 *     [--protein-rows 512] [--token-budget 4096] [--out DIR]
 *
 * bench/peers/torch_embed_peer.py builds each model once into --out (weights.pt + model.onnx: DNABERT-S
 * ~0.5 GB each), then runs the batches in PyTorch. The rows are the kept frames of generated 150-bp reads
 * (bench/micro/translate.bench.ts), DNA tokenized with the real DNABERT-S BPE (the demo BPE without
 * ../shared), proteins with ESM-2's alphabet, packed with TokenPacker under --token-budget and padded once:
 * both sides run exactly these batches, sequentially, one untimed warm-up round, then --rounds timed rounds.
 * Reported: the median round, real (unpadded) and padded tokens/s, ORT's speed relative to PyTorch, peak
 * RSS, torch's BLAS (Debian's python3-torch links the generic reference BLAS, far slower than MKL: its
 * timings are no verdict on PyTorch), and how the two sides' pooled rows of the first batch agree. A side that cannot run here is printed as skipped with the reason: ESM-2 needs the
 * transformers package (Debian's python3-torch 1.13 has no transformers; the GPU machine has both).
 * --python picks the interpreter; by default the first of python3, /usr/bin/python3 that imports torch.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { padTokenRows } from '../../src/model/batches.js';
import { startInferencePool } from '../../src/model/inferencePool.js';
import type { EmbeddingModel } from '../../src/model/modelSpec.js';
import { TokenPacker } from '../../src/packing/tokenPacker.js';
import type { FrameBatch } from '../../src/sequence/frameBatch.js';
import { loadBpeTokenizer } from '../../src/tokenize/bpeTokenizer.js';
import { ESM2_PAD_ID, Esm2Tokenizer } from '../../src/tokenize/esm2Tokenizer.js';
import type { Tokenizer } from '../../src/tokenize/tokenizer.js';
import { median, printTable, watchPeakRss } from '../support/measure.js';
import { workloadFrames } from '../micro/embedOverhead.bench.js';
import { TRANSLATE_BENCH_WORKLOADS } from '../micro/translate.bench.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PEER = path.join(REPO, 'bench', 'peers', 'torch_embed_peer.py');
const SHARED = process.env['VIRNUCPRO_SHARED'] ?? path.join(REPO, '..', 'shared');
/** torch_embed_peer.py's exit code for "a library this model needs is missing". */
const MISSING_LIBRARY = 3;
/** DNABERT-S [PAD]. */
const DNABERT_PAD_ID = 3;

interface ModelCase {
  readonly model: 'dnabert' | 'esm';
  readonly label: string;
  readonly pooling: EmbeddingModel['pooling'];
  readonly hiddenSize: number;
  readonly padId: number;
  readonly rows: number;
  readonly tokenizer: Tokenizer;
  readonly column: 'nucleotides' | 'proteins';
}

interface Workload {
  /** Padded batches as token rows; padded again per run (the pool takes its buffer). */
  readonly batches: readonly Int32Array[][];
  readonly realTokens: number;
  readonly paddedTokens: number;
}

function buildWorkload(frames: readonly FrameBatch[], c: ModelCase, tokenBudget: number): Workload {
  const rows: Int32Array[] = [];
  for (const batch of frames) {
    const bytes = batch[c.column];
    const starts = c.column === 'nucleotides' ? batch.nucleotideStarts : batch.proteinStarts;
    for (let i = 0; i < batch.count && rows.length < c.rows; i++) rows.push(c.tokenizer.encode(bytes.subarray(starts[i]!, starts[i + 1]!)));
  }
  const packer = new TokenPacker<number>({ tokenBudget, window: Math.max(1, rows.length) });
  const packs = [...rows.flatMap((row, i) => packer.push(i, row.length)), ...packer.flush()];
  return {
    batches: packs.map((pack) => pack.keys.map((i) => rows[i]!)),
    realTokens: packs.reduce((sum, pack) => sum + pack.realTokens, 0),
    paddedTokens: packs.reduce((sum, pack) => sum + pack.keys.length * pack.paddedLength, 0),
  };
}

/** The batches file torch_embed_peer.py reads: per batch int64 ids then int64 mask, and a JSON index. */
async function writeBatches(file: string, workload: Workload, padId: number): Promise<void> {
  const index = workload.batches.map((rows) => {
    const batch = padTokenRows(rows, padId);
    return { rows: batch.rows, length: batch.length, bytes: Buffer.from(batch.buffer) };
  });
  await writeFile(file, Buffer.concat(index.map((entry) => entry.bytes)));
  await writeFile(`${file}.json`, JSON.stringify(index.map(({ rows, length }) => ({ rows, length }))));
}

interface Outcome {
  readonly seconds: number[];
  readonly firstPooled: Float32Array;
  readonly peakRssMiB: number;
}

async function runOrt(dir: string, c: ModelCase, workload: Workload, threads: number, rounds: number): Promise<Outcome> {
  const spec: EmbeddingModel = {
    kind: 'embedding', label: c.label, file: path.join(dir, 'model.onnx'), inputIds: 'input_ids', attentionMask: 'attention_mask',
    output: 'last_hidden_state', pooledOutput: 'pooled', pooling: c.pooling, hiddenSize: c.hiddenSize,
  };
  const pool = await startInferencePool(spec, { workers: 1, intraOpNumThreads: threads });
  const seconds: number[] = [];
  let firstPooled: Float32Array = new Float32Array(0);
  try {
    for (let round = 0; round <= rounds; round++) {
      const started = performance.now();
      for (const [k, rows] of workload.batches.entries()) {
        const result = await pool.run(padTokenRows(rows, c.padId));
        if (result.rows !== rows.length) throw new Error(`${c.label}: ${result.rows} pooled rows for ${rows.length}`);
        if (k === 0) firstPooled = result.data;
      }
      if (round > 0) seconds.push((performance.now() - started) / 1000);
    }
  } finally {
    await pool.close();
  }
  return { seconds, firstPooled, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
}

interface PeerResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly peakRssMiB: number;
}

function peer(python: string, args: readonly string[]): Promise<PeerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [PEER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stopWatching = watchPeakRss(child.pid!);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, peakRssMiB: stopWatching() }));
  });
}

/** Builds the model files once (weights.pt + model.onnx); returns why not when this python cannot. */
async function prepare(python: string, dir: string, c: ModelCase): Promise<string | undefined> {
  if (existsSync(path.join(dir, 'model.onnx')) && existsSync(path.join(dir, 'weights.pt'))) return undefined;
  const result = await peer(python, ['prepare', '--model', c.model, '--out', dir]);
  if (result.code === 0) return undefined;
  const reason = result.stderr.trim().split('\n').pop() ?? `exit ${result.code}`;
  if (result.code === MISSING_LIBRARY) return reason;
  throw new Error(`${c.label}: torch_embed_peer.py prepare failed (${result.code}): ${result.stderr}`);
}

function pickPython(requested: string | undefined): string | undefined {
  const candidates = requested ? [requested] : ['python3', '/usr/bin/python3'];
  return candidates.find((python) => spawnSync(python, ['-c', 'import torch, onnx, numpy'], { stdio: 'ignore' }).status === 0);
}

/**
 * Agreement of the two sides' pooled rows: the largest |difference| and the smallest per-row cosine. Random
 * weights at full DNABERT-S width amplify float noise over 12 layers (~1e-3 on a 7-token row): the cosine
 * says whether both sides computed the same function.
 */
function agreement(a: ArrayLike<number>, b: ArrayLike<number>, width: number): string {
  if (a.length !== b.length) return `pooled sizes differ (${a.length} vs ${b.length})`;
  let maxDiff = 0;
  let minCosine = 1;
  for (let row = 0; row < a.length / width; row++) {
    let dot = 0;
    let aa = 0;
    let bb = 0;
    for (let j = row * width; j < (row + 1) * width; j++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[j]! - b[j]!));
      dot += a[j]! * b[j]!;
      aa += a[j]! * a[j]!;
      bb += b[j]! * b[j]!;
    }
    minCosine = Math.min(minCosine, dot / Math.sqrt(aa * bb));
  }
  return `max |pooled diff| ${maxDiff.toExponential(1)}, min cosine ${minCosine.toFixed(6)}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      python: { type: 'string' },
      threads: { type: 'string', default: String(availableParallelism()) },
      rounds: { type: 'string', default: '5' },
      'dna-rows': { type: 'string', default: '64' },
      'protein-rows': { type: 'string', default: '512' },
      'token-budget': { type: 'string', default: '4096' },
      out: { type: 'string', default: path.join(tmpdir(), 'virnucpro-ort-vs-torch') },
    },
  });
  const threads = Number(values.threads);
  const rounds = Number(values.rounds);
  const python = pickPython(values.python);
  const dnabertTokenizer = path.join(SHARED, 'models', 'dnabert-s', 'tokenizer.json');
  const realBpe = existsSync(dnabertTokenizer);
  const bpe = await loadBpeTokenizer(realBpe ? dnabertTokenizer : path.join(REPO, 'models', 'demo', 'tokenizer.json'));
  const cases: ModelCase[] = [
    { model: 'dnabert', label: 'DNABERT-S shape (12 × 768)', pooling: 'mean', hiddenSize: 768, padId: DNABERT_PAD_ID, rows: Number(values['dna-rows']), tokenizer: bpe, column: 'nucleotides' },
    { model: 'esm', label: 'ESM-2 t6_8M shape (6 × 320)', pooling: 'mean-residues', hiddenSize: 320, padId: ESM2_PAD_ID, rows: Number(values['protein-rows']), tokenizer: new Esm2Tokenizer(), column: 'proteins' },
  ];
  const frames = workloadFrames(TRANSLATE_BENCH_WORKLOADS[0]!);
  const table: (string | number)[][] = [];
  const skip = (c: ModelCase, side: string, reason: string): void => void table.push([c.label, side, '-', '-', '-', '-', '-', '-', '-', `skipped: ${reason}`]);

  for (const c of cases) {
    const dir = path.join(values.out!, c.model);
    await mkdir(dir, { recursive: true });
    const workload = buildWorkload(frames, c, Number(values['token-budget']));
    const rows = workload.batches.reduce((sum, batch) => sum + batch.length, 0);
    if (rows !== c.rows) throw new Error(`${c.label}: workload has ${rows} rows, asked for ${c.rows}`);
    const why = python === undefined ? `no python with torch, onnx and numpy (${values.python ?? 'python3, /usr/bin/python3'})` : await prepare(python, dir, c);
    if (why !== undefined) {
      skip(c, 'ONNX Runtime (ours)', `no model: ${why}`);
      skip(c, 'PyTorch', why);
      continue;
    }
    const batchesFile = path.join(dir, 'batches.bin');
    await writeBatches(batchesFile, workload, c.padId);
    const ort = await runOrt(dir, c, workload, threads, rounds);
    const result = await peer(python!, ['run', '--model', c.model, '--dir', dir, '--batches', batchesFile, '--rounds', String(rounds), '--threads', String(threads)]);
    if (result.code !== 0) throw new Error(`${c.label}: torch_embed_peer.py run failed (${result.code}): ${result.stderr}`);
    const torch = JSON.parse(result.stdout.trim().split('\n').pop()!) as { seconds: number[]; pooled: number[]; torch: string; blas: string };
    const torchMedian = median(torch.seconds);
    for (const [side, seconds, rss, note] of [
      ['ONNX Runtime (ours)', ort.seconds, ort.peakRssMiB, `pool, 1 worker × ${threads} intra-op threads`],
      [`PyTorch ${torch.torch} (BLAS ${torch.blas})`, torch.seconds, result.peakRssMiB,
        `torch.set_num_threads(${threads}); vs ours: ${agreement(ort.firstPooled, torch.pooled, c.hiddenSize)}`],
    ] as const) {
      const s = median(seconds);
      table.push([c.label, side, rows, workload.realTokens, s, workload.realTokens / s, workload.paddedTokens / s, `${(torchMedian / s).toFixed(2)}x`, Math.round(rss), note]);
    }
  }
  console.log(`ONNX Runtime vs PyTorch on the CPU, same weights and padded batches; ${threads} threads, median of ${rounds} rounds ` +
    `(after one warm-up); DNA BPE: ${realBpe ? 'DNABERT-S' : 'demo (../shared absent)'}; python: ${python ?? 'none'}`);
  printTable(['model', 'side', 'rows', 'real tokens', 'median s', 'real tokens/s', 'padded tokens/s', 'speed vs PyTorch', 'peak RSS MiB', 'note'], table);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
