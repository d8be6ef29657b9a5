/**
 * GPU (b): `virnucpro predict --device cuda -o DIR` end to end on generated short reads, with the GPU's busy
 * time sampled alongside, and the figure that matters projected: the seed's 1M-read subset (794 577 ESM-2
 * frames; 53 min on one RTX 4090 in VirNucPro v2.0).
 *
 *   node dist/bench/e2e/predictGpu.js --models BUNDLE [--reads 200000] [--length 150] [--coding 0.5]
 *     [--seed 7] [--device cuda] [--device-id 0] [--rounds 1] [--versus='OPTIONS'] [--out DIR]
 *     [-- extra predict options]
 *
 * The reads: `--coding` of them stop-free in their first frame (sense codons only), the rest uniform random
 * (bench/support/syntheticFasta.ts); 0.5 keeps about one frame per 150-bp read. GPU busy: `nvidia-smi`
 * sampled once a second (utilization.gpu: the share of the second in which a kernel ran), averaged over the
 * run and over the samples after the first busy one (start-up excluded), with the peak memory used; "n/a"
 * where nvidia-smi is absent. Per-stage busy seconds come from run_summary.json. Nothing is asserted.
 *
 * `--versus='OPTIONS'` (e.g. `--versus='--workers 2'`, with the =) adds a peer: each round runs the extra
 * options, then the same plus OPTIONS, on the same reads, so the two medians and their ratio come from one
 * command on one card.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseBenchArgs } from '../support/args.js';
import { median, printTable, runMeasured } from '../support/measure.js';
import { writeSyntheticFastaFile } from '../support/syntheticFasta.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
/** ESM-2 frames of the seed's 1M-read subset (VirNucPro v2.0's benchmark: 2 591 s of ESM-2 at 16 474 tok/s). */
const SEED_FRAMES = 794_577;
const SEED_MINUTES_4090 = 53;

interface GpuSample {
  readonly utilization: number;
  readonly memoryMiB: number;
}

/** Samples nvidia-smi once a second until stopped; resolves to no samples where it cannot run. */
function sampleGpu(deviceId: string): { stop: () => Promise<GpuSample[]> } {
  const samples: GpuSample[] = [];
  const child = spawn(
    'nvidia-smi',
    ['-i', deviceId, '--query-gpu=utilization.gpu,memory.used', '--format=csv,noheader,nounits', '-l', '1'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  child.on('error', () => undefined);
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const [utilization, memory] = line.split(',').map((field) => Number(field.trim()));
      if (Number.isFinite(utilization) && Number.isFinite(memory)) samples.push({ utilization: utilization!, memoryMiB: memory! });
    }
  });
  const closed = new Promise<void>((resolve) => {
    child.on('close', () => resolve());
    child.on('error', () => resolve());
  });
  return {
    stop: async () => {
      child.kill();
      await closed;
      return samples;
    },
  };
}

/** The extra predict options of a configuration, as the table names it. */
function optionsLabel(extra: readonly string[]): string {
  return extra.length === 0 ? 'defaults' : extra.join(' ');
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((sum, v) => sum + v, 0) / values.length;
}

function percent(value: number): string {
  return Number.isNaN(value) ? 'n/a' : `${value.toFixed(1)} %`;
}

interface Summary {
  counts: { framesKept: number; recordsRead: number };
  timing: { stages: { name: string; busySeconds: number }[] };
}

interface RunSetup {
  readonly models: string;
  readonly device: string;
  readonly deviceId: string;
  readonly input: string;
  /** Where each run writes its -o directory (replaced every run). */
  readonly out: string;
}

/** One `predict -o DIR` run with `extra` options, the GPU sampled alongside: its row of the table after run and options. */
async function measureRun(setup: RunSetup, extra: readonly string[]): Promise<(string | number)[]> {
  const out = path.join(setup.out, 'predictions');
  rmSync(out, { recursive: true, force: true });
  const gpu = sampleGpu(setup.deviceId);
  const args = [
    CLI,
    'predict',
    '-q',
    '--models',
    setup.models,
    '--device',
    setup.device,
    '--device-id',
    setup.deviceId,
    ...extra,
    '-o',
    out,
    setup.input,
  ];
  const run = await runMeasured(process.execPath, args, ['ignore', 'ignore', 'pipe']);
  const samples = await gpu.stop();
  if (run.exitCode !== 0) throw new Error(`virnucpro predict failed (${run.exitCode}): ${run.stderr}`);
  const summary = JSON.parse(readFileSync(path.join(out, 'run_summary.json'), 'utf8')) as Summary;
  const wall = run.wallMs / 1000;
  const frames = summary.counts.framesKept;
  const firstBusy = samples.findIndex((s) => s.utilization > 0);
  const stages = summary.timing.stages
    .filter((s) => s.name.startsWith('embed') || s.name === 'classify')
    .map((s) => `${s.name} ${s.busySeconds.toFixed(1)} s`)
    .join(', ');
  return [
    summary.counts.recordsRead,
    frames,
    wall,
    frames / wall,
    percent(mean(samples.map((s) => s.utilization))),
    percent(firstBusy < 0 ? NaN : mean(samples.slice(firstBusy).map((s) => s.utilization))),
    samples.length === 0 ? 'n/a' : Math.max(...samples.map((s) => s.memoryMiB)),
    (SEED_FRAMES / (frames / wall) / 60).toFixed(1),
    stages,
    Math.round(run.peakRssMiB),
  ];
}

async function main(): Promise<void> {
  const { values, positionals } = parseBenchArgs({
    allowPositionals: true,
    options: {
      models: { type: 'string' },
      reads: { type: 'string', default: '200000' },
      length: { type: 'string', default: '150' },
      coding: { type: 'string', default: '0.5' },
      seed: { type: 'string', default: '7' },
      device: { type: 'string', default: 'cuda' },
      'device-id': { type: 'string', default: '0' },
      rounds: { type: 'string', default: '1' },
      versus: { type: 'string' },
      out: { type: 'string', default: path.join(tmpdir(), `virnucpro-predict-gpu-${process.pid}`) },
    },
  });
  if (values.models === undefined)
    throw new Error('--models BUNDLE is required (e.g. tools/make_fixtures.py bench-models --esm-shape esm-3B --fp16 --device cuda)');
  const reads = Number(values.reads);
  mkdirSync(values.out!, { recursive: true });
  const input = path.join(values.out!, 'reads.fa');
  await writeSyntheticFastaFile(input, {
    reads,
    length: Number(values.length),
    seed: Number(values.seed),
    codingFraction: Number(values.coding),
  });
  const configs = [positionals, ...(values.versus === undefined ? [] : [[...positionals, ...values.versus.split(/\s+/).filter(Boolean)]])];
  const setup: RunSetup = { models: values.models, device: values.device!, deviceId: values['device-id']!, input, out: values.out! };
  const rows: (string | number)[][] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const extra of configs) {
      rows.push([String(round + 1), optionsLabel(extra), ...(await measureRun(setup, extra))]);
    }
  }
  console.log(
    `virnucpro predict --device ${values.device} -o DIR on ${reads} generated ${values.length}-bp reads (coding fraction ${values.coding}); ` +
      `bundle ${values.models}; wall time includes start-up and the final sort`,
  );
  printTable(
    [
      'run',
      'options',
      'reads',
      'frames',
      'wall s',
      'frames/s',
      'GPU busy (run)',
      'GPU busy (after first kernel)',
      'GPU MiB peak',
      'seed 1M reads, min',
      'stage busy',
      'peak RSS MiB',
    ],
    rows,
  );
  const medians = configs.map((extra) => median(rows.filter((row) => row[1] === optionsLabel(extra)).map((row) => row[5] as number)));
  configs.forEach((extra, k) => {
    console.log(
      `${optionsLabel(extra)}: median ${Math.round(medians[k]!)} frames/s: the seed's ${SEED_FRAMES} frames in ` +
        `${(SEED_FRAMES / medians[k]! / 60).toFixed(1)} min (VirNucPro v2.0 on one RTX 4090: ${SEED_MINUTES_4090} min)`,
    );
  });
  if (medians.length === 2)
    console.log(`ratio (${optionsLabel(configs[1]!)}) / (${optionsLabel(configs[0]!)}): ${(medians[1]! / medians[0]!).toFixed(3)}x`);
  rmSync(values.out!, { recursive: true, force: true });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
