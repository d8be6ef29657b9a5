/**
 * Benchmark 8b / GPU (a): tokens/s of our ONNX Runtime path (the inference pool, --workers sessions) against PyTorch
 * with the same weights and the same padded batches, side by side in one run, for a full-size DNABERT-S and
 * an ESM-2-shaped encoder (t6_8M, t33_650M or the real t36_3B shape; random weights from
 * tools/virnucpro_fixtures, in-graph pooled output as export_bundle.py writes it).
 *
 *   node dist/bench/e2e/ortVsTorch.js [--device cpu|cuda] [--device-id 0] [--fp16] [--esm-shape esm-8M]
 *     [--python python3] [--threads N] [--rounds 5] [--dna-rows 64] [--protein-rows 512]
 *     [--token-budget 4096] [--length-multiple N] [--workers 1] [--out DIR] [--models DIR]
 *     [--dna-checkpoint SOURCE --esm-checkpoint SOURCE] [--only dnabert|esm]
 *
 * CPU (default): fp32 on both sides, intra-op threads = torch threads = --threads.
 * GPU: `--device cuda --fp16`: ORT-node's CUDA provider on the fp16 export (dynamo, ONNX `Attention`) against
 * PyTorch fp16 with scaled_dot_product_attention on the same card; CUDA-synchronised timings.
 *
 * The models: a bench bundle at --models (default --out/bundle-<shape>-<precision>), built once by
 * `tools/make_fixtures.py bench-models` when absent (DNABERT-S tokenizer from ../shared when present);
 * bench/peers/torch_embed_peer.py rebuilds the same weights from the same seeds on its side. A bundle exported
 * from real checkpoints (`export_bundle.py --dna A --protein B [--fp16]`) is measured with
 * `--models BUNDLE --dna-checkpoint A --esm-checkpoint B`: PyTorch then loads A and B as the export did. The rows are the
 * kept frames of generated 150-bp reads (bench/micro/translate.bench.ts), DNA tokenized with the bundle's BPE,
 * proteins with ESM-2's alphabet, packed with TokenPacker under --token-budget and padded once (widths rounded up
 * to --length-multiple, default the device's: 4 on CUDA, as predict pads): both sides run
 * exactly these batches, sequentially, one untimed warm-up round, then --rounds timed rounds. Reported: the
 * median round, real (unpadded) and padded tokens/s, ORT's speed relative to PyTorch, peak RSS, torch's BLAS
 * on the CPU, and how both sides' pooled rows of the first batches agree with the float32 PyTorch reference
 * (max |diff|, min cosine: the fp16 check). A side that cannot run here is printed as skipped with the reason.
 * `--only` measures one encoder (e.g. under a profiler such as Nsight Systems, whose trace then holds one
 * model's kernels from both runtimes).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs } from '../support/args.js';
import { padTokenRows } from '../../src/model/batches.js';
import { startInferencePool } from '../../src/model/inferencePool.js';
import type { EmbeddingModel } from '../../src/model/modelSpec.js';
import { paddedLengthMultiple, type ExecutionProvider } from '../../src/model/sessionSettings.js';
import { TokenPacker } from '../../src/packing/tokenPacker.js';
import type { FrameBatch } from '../../src/sequence/frameBatch.js';
import { loadBpeTokenizer } from '../../src/tokenize/bpeTokenizer.js';
import { ESM2_PAD_ID, Esm2Tokenizer } from '../../src/tokenize/esm2Tokenizer.js';
import type { Tokenizer } from '../../src/tokenize/tokenizer.js';
import { median, printTable, watchPeakRss } from '../support/measure.js';
import { TRANSLATE_BENCH_WORKLOADS, workloadFrames } from '../support/frameWorkloads.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PEER = path.join(REPO, 'bench', 'peers', 'torch_embed_peer.py');
const MAKE_FIXTURES = path.join(REPO, 'tools', 'make_fixtures.py');
const SHARED = process.env['VIRNUCPRO_SHARED'] ?? path.join(REPO, '..', 'shared');
/** torch_embed_peer.py's exit code for "a library this model needs is missing". */
const MISSING_LIBRARY = 3;
/** DNABERT-S [PAD]. */
const DNABERT_PAD_ID = 3;
/** Batches whose pooled rows both sides compare with the float32 reference (torch_embed_peer.py CHECK_BATCHES). */
const CHECK_BATCHES = 4;

interface ModelCase {
  readonly model: 'dnabert' | 'esm';
  readonly label: string;
  readonly manifestKey: 'dna' | 'protein';
  readonly pooling: EmbeddingModel['pooling'];
  readonly padId: number;
  readonly rows: number;
  readonly tokenizer: Tokenizer;
  readonly column: 'nucleotides' | 'proteins';
  /** Where PyTorch loads this encoder from (export_bundle.py's source); absent: the bench bundle's seeds. */
  readonly checkpoint: string | undefined;
}

interface Workload {
  /** Batches as token rows and padded width; padded again per run (the pool takes its buffer). */
  readonly batches: readonly { readonly rows: Int32Array[]; readonly length: number }[];
  readonly realTokens: number;
  readonly paddedTokens: number;
}

function buildWorkload(frames: readonly FrameBatch[], c: ModelCase, tokenBudget: number, lengthMultiple: number): Workload {
  const rows: Int32Array[] = [];
  for (const batch of frames) {
    const bytes = batch[c.column];
    const starts = c.column === 'nucleotides' ? batch.nucleotideStarts : batch.proteinStarts;
    for (let i = 0; i < batch.count && rows.length < c.rows; i++) rows.push(c.tokenizer.encode(bytes.subarray(starts[i]!, starts[i + 1]!)));
  }
  const packer = new TokenPacker<number>({ tokenBudget, lengthMultiple, window: Math.max(1, rows.length) });
  const packs = [...rows.flatMap((row, i) => packer.push(i, row.length)), ...packer.flush()];
  return {
    batches: packs.map((pack) => ({ rows: pack.keys.map((i) => rows[i]!), length: pack.paddedLength })),
    realTokens: packs.reduce((sum, pack) => sum + pack.realTokens, 0),
    paddedTokens: packs.reduce((sum, pack) => sum + pack.keys.length * pack.paddedLength, 0),
  };
}

/** The batches file torch_embed_peer.py reads: per batch int64 ids then int64 mask, and a JSON index. */
async function writeBatches(file: string, workload: Workload, padId: number): Promise<void> {
  const index = workload.batches.map(({ rows, length }) => {
    const batch = padTokenRows(rows, padId, length);
    return { rows: batch.rows, length: batch.length, bytes: Buffer.from(batch.buffer) };
  });
  await writeFile(file, Buffer.concat(index.map((entry) => entry.bytes)));
  await writeFile(`${file}.json`, JSON.stringify(index.map(({ rows, length }) => ({ rows, length }))));
}

interface Device {
  readonly provider: ExecutionProvider;
  readonly deviceId: number;
  readonly threads: number;
  /** Inference-pool workers (sessions); as many batches are kept in flight. */
  readonly workers: number;
}

interface Outcome {
  readonly seconds: number[];
  /** Pooled rows of the first CHECK_BATCHES batches, in order (compared with the float32 reference). */
  readonly checkRows: Float32Array[];
  readonly peakRssMiB: number;
}

async function runOrt(spec: EmbeddingModel, c: ModelCase, workload: Workload, device: Device, rounds: number): Promise<Outcome> {
  const pool = await startInferencePool(spec, {
    workers: device.workers,
    intraOpNumThreads: device.threads,
    executionProvider: device.provider,
    deviceId: device.deviceId,
  });
  const seconds: number[] = [];
  const checkRows: Float32Array[] = [];
  // One loop per worker takes the next batch, so each session always has one queued (the GPU never waits on
  // the round trip between two runs when workers > 1).
  const runRound = async (round: number): Promise<void> => {
    let next = 0;
    const loop = async (): Promise<void> => {
      for (let k = next++; k < workload.batches.length; k = next++) {
        const { rows, length } = workload.batches[k]!;
        const result = await pool.run(padTokenRows(rows, c.padId, length));
        if (result.rows !== rows.length) throw new Error(`${c.label}: ${result.rows} pooled rows for ${rows.length}`);
        if (round === 0 && k < CHECK_BATCHES) checkRows[k] = result.data;
      }
    };
    await Promise.all(Array.from({ length: device.workers }, loop));
  };
  try {
    for (let round = 0; round <= rounds; round++) {
      const started = performance.now();
      await runRound(round);
      if (round > 0) seconds.push((performance.now() - started) / 1000);
    }
  } finally {
    await pool.close();
  }
  return { seconds, checkRows, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
}

interface ChildResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly peakRssMiB: number;
}

function python(interpreter: string, script: string, args: readonly string[], stderr: 'pipe' | 'inherit' = 'pipe'): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(interpreter, [script, ...args], { stdio: ['ignore', 'pipe', stderr] });
    const stopWatching = watchPeakRss(child.pid!);
    let stdout = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr: err, peakRssMiB: stopWatching() }));
  });
}

interface BenchOptions {
  readonly esmShape: string;
  readonly fp16: boolean;
  readonly device: Device;
}

/** Builds the bench bundle once (make_fixtures.py bench-models); returns why not when this python cannot. */
async function ensureBundle(interpreter: string, dir: string, options: BenchOptions): Promise<string | undefined> {
  if (existsSync(path.join(dir, 'manifest.json'))) return undefined;
  const tokenizer = path.join(SHARED, 'models', 'dnabert-s', 'tokenizer.json');
  const args = [
    'bench-models',
    '--out',
    dir,
    '--esm-shape',
    options.esmShape,
    '--device',
    options.device.provider === 'cuda' ? 'cuda' : 'cpu',
    ...(options.fp16 ? ['--fp16'] : []),
    ...(existsSync(tokenizer) ? ['--dnabert-tokenizer', tokenizer] : []),
  ];
  console.error(`[INFO] building the bench bundle: python3 tools/make_fixtures.py ${args.join(' ')}`);
  const result = await python(interpreter, MAKE_FIXTURES, args, 'inherit');
  if (result.code === 0) return undefined;
  return `make_fixtures.py bench-models failed (exit ${result.code}); ESM-2 needs transformers, --fp16 torch >= 2.9 for the fused export`;
}

function pickPython(requested: string | undefined): string | undefined {
  const candidates = requested ? [requested] : ['python3', '/usr/bin/python3'];
  return candidates.find((candidate) => spawnSync(candidate, ['-c', 'import torch, onnx, numpy'], { stdio: 'ignore' }).status === 0);
}

interface Agreement {
  readonly maxAbsDiff: number;
  readonly minCosine: number;
  readonly rows: number;
}

function describe(agreement: Agreement | undefined): string {
  return agreement === undefined
    ? 'not compared'
    : `vs float32 PyTorch: max |pooled diff| ${agreement.maxAbsDiff.toExponential(1)}, min cosine ${agreement.minCosine.toFixed(6)} (${agreement.rows} rows)`;
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseBenchArgs({
    options: {
      python: { type: 'string' },
      device: { type: 'string', default: 'cpu' },
      'device-id': { type: 'string', default: '0' },
      fp16: { type: 'boolean', default: false },
      'esm-shape': { type: 'string', default: 'esm-8M' },
      threads: { type: 'string', default: String(availableParallelism()) },
      workers: { type: 'string', default: '1' },
      rounds: { type: 'string', default: '5' },
      'dna-rows': { type: 'string', default: '64' },
      'protein-rows': { type: 'string', default: '512' },
      'token-budget': { type: 'string', default: '4096' },
      'length-multiple': { type: 'string' },
      out: { type: 'string', default: path.join(tmpdir(), 'virnucpro-ort-vs-torch') },
      models: { type: 'string' },
      'dna-checkpoint': { type: 'string' },
      'esm-checkpoint': { type: 'string' },
      only: { type: 'string' },
    },
  });
  if (values.only !== undefined && values.only !== 'dnabert' && values.only !== 'esm') {
    throw new Error(`--only ${values.only}: dnabert or esm`);
  }
  const checkpoints = { dna: values['dna-checkpoint'], esm: values['esm-checkpoint'] };
  if (
    (checkpoints.dna === undefined) !== (checkpoints.esm === undefined) ||
    (checkpoints.dna !== undefined && values.models === undefined)
  ) {
    throw new Error('--dna-checkpoint and --esm-checkpoint go together, with --models: the bundle export_bundle.py made from them');
  }
  if (values.device !== 'cpu' && values.device !== 'cuda') throw new Error(`--device ${values.device}: cpu or cuda`);
  const device: Device = {
    provider: values.device,
    deviceId: Number(values['device-id']),
    threads: Number(values.threads),
    workers: Number(values.workers),
  };
  const options: BenchOptions = { esmShape: values['esm-shape']!, fp16: values.fp16!, device };
  const rounds = Number(values.rounds);
  const lengthMultiple =
    values['length-multiple'] !== undefined ? Number(values['length-multiple']) : paddedLengthMultiple(device.provider);
  const interpreter = pickPython(values.python);
  const bundleDir = values.models ?? path.join(values.out!, `bundle-${options.esmShape}-${options.fp16 ? 'fp16' : 'fp32'}`);
  await mkdir(values.out!, { recursive: true });
  const why =
    values.models !== undefined
      ? undefined
      : interpreter === undefined
        ? `no python with torch, onnx and numpy (${values.python ?? 'python3, /usr/bin/python3'})`
        : await ensureBundle(interpreter, bundleDir, options);
  const table: (string | number)[][] = [];
  const header = [
    'model',
    'side',
    'rows',
    'real tokens',
    'median s',
    'real tokens/s',
    'padded tokens/s',
    'speed vs PyTorch',
    'peak RSS MiB',
    'note',
  ];
  if (why !== undefined) {
    console.log(`skipped: ${why}`);
    return;
  }
  const manifest = JSON.parse(await readFile(path.join(bundleDir, 'manifest.json'), 'utf8')) as Record<
    'dna' | 'protein',
    { onnx: string; hiddenSize: number; tokenizer: string }
  >;
  const bpe = await loadBpeTokenizer(path.join(bundleDir, manifest.dna.tokenizer));
  const cases: ModelCase[] = [
    {
      model: 'dnabert',
      // The width comes from the bundle, not assumed: a --models bundle may be any size.
      label: checkpoints.dna === undefined ? `DNABERT-S shape (hidden ${manifest.dna.hiddenSize})` : `DNABERT-S ${checkpoints.dna}`,
      manifestKey: 'dna',
      pooling: 'mean',
      padId: DNABERT_PAD_ID,
      rows: Number(values['dna-rows']),
      tokenizer: bpe,
      column: 'nucleotides',
      checkpoint: checkpoints.dna,
    },
    {
      model: 'esm',
      label: checkpoints.esm === undefined ? `ESM-2 ${options.esmShape} shape` : `ESM-2 ${checkpoints.esm}`,
      manifestKey: 'protein',
      pooling: 'mean-residues',
      padId: ESM2_PAD_ID,
      rows: Number(values['protein-rows']),
      tokenizer: new Esm2Tokenizer(),
      column: 'proteins',
      checkpoint: checkpoints.esm,
    },
  ];
  const frames = workloadFrames(TRANSLATE_BENCH_WORKLOADS[0]!);

  for (const c of cases.filter((candidate) => values.only === undefined || candidate.model === values.only)) {
    const entry = manifest[c.manifestKey];
    const spec: EmbeddingModel = {
      kind: 'embedding',
      label: c.label,
      file: path.join(bundleDir, entry.onnx),
      inputIds: 'input_ids',
      attentionMask: 'attention_mask',
      output: 'last_hidden_state',
      pooledOutput: 'pooled',
      pooling: c.pooling,
      hiddenSize: entry.hiddenSize,
    };
    const workload = buildWorkload(frames, c, Number(values['token-budget']), lengthMultiple);
    const rows = workload.batches.reduce((sum, batch) => sum + batch.rows.length, 0);
    if (rows !== c.rows) throw new Error(`${c.label}: workload has ${rows} rows, asked for ${c.rows}`);
    const batchesFile = path.join(values.out!, `${c.model}-batches.bin`);
    await writeBatches(batchesFile, workload, c.padId);
    const ort = await runOrt(spec, c, workload, device, rounds);
    const ortPooled = path.join(values.out!, `${c.model}-ort-pooled.bin`);
    await writeFile(ortPooled, concat(ort.checkRows));
    const result =
      interpreter === undefined
        ? undefined
        : await python(interpreter, PEER, [
            'run',
            '--model',
            c.model,
            '--esm-shape',
            options.esmShape,
            '--batches',
            batchesFile,
            '--rounds',
            String(rounds),
            '--threads',
            String(device.threads),
            '--device',
            device.provider === 'cuda' ? 'cuda' : 'cpu',
            ...(options.fp16 ? ['--fp16'] : []),
            '--ort-pooled',
            ortPooled,
            ...(c.checkpoint === undefined ? [] : ['--checkpoint', c.checkpoint]),
          ]);
    if (result !== undefined && result.code !== 0 && result.code !== MISSING_LIBRARY) {
      throw new Error(`${c.label}: torch_embed_peer.py run failed (${result.code}): ${result.stderr}`);
    }
    const torch =
      result?.code === 0
        ? (JSON.parse(result.stdout.trim().split('\n').pop()!) as {
            seconds: number[];
            torch: string;
            blas: string;
            device: string;
            precision: string;
            agreement: { torch: Agreement; ort?: Agreement };
          })
        : undefined;
    const torchMedian = torch === undefined ? NaN : median(torch.seconds);
    const ortSide = `ONNX Runtime (ours, ${device.provider}${options.fp16 ? ' fp16' : ''})`;
    const rowOf = (side: string, seconds: number[], rss: number, note: string): (string | number)[] => {
      const s = median(seconds);
      return [
        c.label,
        side,
        rows,
        workload.realTokens,
        s,
        workload.realTokens / s,
        workload.paddedTokens / s,
        Number.isNaN(torchMedian) ? '-' : `${(torchMedian / s).toFixed(2)}x`,
        Math.round(rss),
        note,
      ];
    };
    table.push(
      rowOf(
        ortSide,
        ort.seconds,
        ort.peakRssMiB,
        `${device.workers} worker${device.workers === 1 ? '' : 's'}; ${describe(torch?.agreement.ort)}`,
      ),
    );
    if (torch === undefined) {
      table.push([
        c.label,
        'PyTorch',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        `skipped: ${result?.stderr.trim().split('\n').pop() ?? 'no python'}`,
      ]);
    } else {
      table.push(
        rowOf(
          `PyTorch ${torch.torch} ${torch.precision} (${device.provider === 'cuda' ? torch.device : `BLAS ${torch.blas}`})`,
          torch.seconds,
          result!.peakRssMiB,
          describe(torch.agreement.torch),
        ),
      );
    }
  }
  console.log(
    `ONNX Runtime vs PyTorch, same weights and padded batches; device ${device.provider}${device.provider === 'cuda' ? ` ${device.deviceId}` : ''}, ` +
      `${device.threads} threads, token budget ${values['token-budget']}, padded to multiples of ${lengthMultiple}, median of ${rounds} rounds (after one warm-up); bundle ${bundleDir}; python: ${interpreter ?? 'none'}`,
  );
  printTable(header, table);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
