/**
 * End-to-end throughput of `virnucpro predict -o DIR` (read → chunk → six frames → DNABERT-S and ESM-2 →
 * classifier → consensus → the original's files and their sort), with two bundles side by side on the same
 * kind of reads: the demo bundle (models/demo: tiny real architectures, random weights) and a near-zero-cost
 * bundle (bench/support/tinyBundle.ts: an embedding lookup and a pooled mean per encoder), whose
 * figure is the pipeline's own ceiling: everything but the models.
 *
 *   npm run build && node dist/bench/e2e/predictThroughput.js [--rounds 3] [--scale 1]
 *     [--spinning] [--intra-op-threads N] [--threads N]
 *
 * Prints, per bundle: the median wall time of `rounds` runs (start-up included), kept frames per second
 * over it, the median CPU time (all threads), the busiest stage (run_summary.json's per-stage busy time)
 * and the peak RSS. Each run's frame count is checked against the first run's (the outputs are
 * byte-reproducible), and the workloads are pinned (PREDICT_WORKLOADS,
 * test/pipeline/predictThroughputWorkload.test.ts).
 *
 * `--spinning` runs each workload twice side by side, rounds interleaved: the default (onnxruntime's threads
 * sleep when out of work) and `--allow-spinning`. `--intra-op-threads` and `--threads` are passed to every
 * run (spinning matters only when a pool has more than one intra-op thread).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseBenchArgs } from '../support/args.js';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { syntheticReads } from '../support/syntheticReads.js';
import { writeTinyBundle } from '../support/tinyBundle.js';
import { median, printTable, runMeasured } from '../support/measure.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');

/**
 * The pinned workloads: synthetic reads of 100-1 500 bp (syntheticReads: a third G/C-rich, so many kept
 * frames). The demo models run ~300 frames/s on two shared cores, so they get fewer reads.
 */
export const PREDICT_WORKLOADS = [
  { bundle: 'demo', reads: 600, seed: 11 },
  { bundle: 'near-zero', reads: 12_000, seed: 11 },
] as const;

interface Summary {
  counts: { framesKept: number; recordsRead: number };
  timing: { stages: { name: string; busySeconds: number; rowsPerSecond: number }[] };
}

async function main(): Promise<void> {
  const { values } = parseBenchArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      scale: { type: 'string', default: '1' },
      spinning: { type: 'boolean', default: false },
      'intra-op-threads': { type: 'string' },
      threads: { type: 'string' },
    },
  });
  const rounds = Number(values.rounds);
  const scale = Number(values.scale);
  const common = [
    ...(values['intra-op-threads'] !== undefined ? ['--intra-op-threads', values['intra-op-threads']] : []),
    ...(values.threads !== undefined ? ['--threads', values.threads] : []),
  ];
  const variants = values.spinning
    ? [
        { label: ' (spinning off)', args: common },
        { label: ' (--allow-spinning)', args: [...common, '--allow-spinning'] },
      ]
    : [{ label: '', args: common }];
  const work = path.join(tmpdir(), `virnucpro-predict-bench-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    const bundles = { demo: path.join(ROOT, 'models/demo'), 'near-zero': await writeTinyBundle(path.join(work, 'tiny')) };
    const rows: (string | number)[][] = [];
    for (const workload of PREDICT_WORKLOADS) {
      const reads = Math.max(1, Math.round(workload.reads * scale));
      const input = path.join(work, `${workload.bundle}.fa`);
      writeFileSync(input, syntheticReads(reads, workload.seed));
      const measured = variants.map(() => ({
        wall: [] as number[],
        cpu: [] as number[],
        stageSeconds: new Map<string, number[]>(),
        peakRss: 0,
      }));
      let frames: number | undefined;
      for (let round = 0; round < rounds; round++) {
        for (const [v, variant] of variants.entries()) {
          const m = measured[v]!;
          const out = path.join(work, `out-${workload.bundle}`);
          rmSync(out, { recursive: true, force: true });
          const args = [CLI, 'predict', '-q', '--models', bundles[workload.bundle], ...variant.args, '-o', out, input];
          const run = await runMeasured(process.execPath, args, ['ignore', 'ignore', 'pipe']);
          if (run.exitCode !== 0) throw new Error(`virnucpro predict failed: ${run.stderr}`);
          const summary = JSON.parse(readFileSync(path.join(out, 'run_summary.json'), 'utf8')) as Summary;
          if (summary.counts.recordsRead !== reads) throw new Error(`read ${summary.counts.recordsRead} records, expected ${reads}`);
          if (frames !== undefined && summary.counts.framesKept !== frames)
            throw new Error(`round ${round} kept ${summary.counts.framesKept} frames, round 0 ${frames}`);
          frames = summary.counts.framesKept;
          for (const stage of summary.timing.stages)
            m.stageSeconds.set(stage.name, [...(m.stageSeconds.get(stage.name) ?? []), stage.busySeconds]);
          m.wall.push(run.wallMs / 1000);
          m.cpu.push(run.cpuSeconds);
          m.peakRss = Math.max(m.peakRss, run.peakRssMiB);
        }
      }
      for (const [v, variant] of variants.entries()) {
        const m = measured[v]!;
        const [busiest, busy] = [...m.stageSeconds]
          .map(([name, seconds]) => [name, median(seconds)] as const)
          .sort((a, b) => b[1] - a[1])[0]!;
        rows.push([
          `${workload.bundle}${variant.label}`,
          reads,
          frames!,
          median(m.wall),
          frames! / median(m.wall),
          median(m.cpu),
          `${busiest} ${busy.toFixed(2)} s`,
          m.peakRss,
        ]);
      }
    }
    // Each row against the near-zero bundle's row of the same variant.
    rows.forEach((row, i) => {
      const ceiling = rows[variants.length + (i % variants.length)]![4] as number;
      row.push(`${(((row[4] as number) / ceiling) * 100).toFixed(1)} %`);
    });
    const options = variants[0]!.args.length > 0 ? ` (${variants[0]!.args.join(' ')})` : '';
    console.log(
      `virnucpro predict -o DIR${options} on synthetic 100-1500 bp reads; median of ${rounds} runs each (wall time includes start-up and the final sort)`,
    );
    printTable(
      ['bundle', 'reads', 'frames', 'wall s', 'frames/s', 'CPU s', 'busiest stage (median busy)', 'peak RSS MiB', 'of near-zero'],
      rows,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// Run when executed, not when a test imports the pinned workloads.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
