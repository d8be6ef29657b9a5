/**
 * Single-thread throughput of six-frame identification: the byte kernel (src/sequence/sixFrames.ts), the
 * kernel plus chunking and TSV formatting (the CPU work of `translate --format tsv` besides parsing), and
 * a naive string implementation (test/sequence/naiveSixFrames.ts: slicing, a codon Map, all six frames
 * translated in full), side by side in one tinybench Bench per workload.
 *
 *   node dist/bench/micro/translate.bench.js [--time 2000]
 *
 * Reads are generated: half random DNA, half "coding" (F1 drawn from sense codons, so it is stop-free
 * over the whole read, as in a gene). Every task checks its kept-frame count against the pinned
 * TRANSLATE_BENCH_WORKLOADS[].frames (also checked in test/sequence/translateBench.test.ts), so a task that
 * measures nothing fails. Nothing asserts a timing: compare the printed medians and ratios.
 */
import { fileURLToPath } from 'node:url';
import { parseBenchArgs } from '../support/args.js';
import { Bench } from 'tinybench';
import { chunkRecordBatch, type ChunkBatch } from '../../src/sequence/chunkBatch.js';
import { formatFramesTsv } from '../../src/sequence/formatFrames.js';
import { translateChunkBatch } from '../../src/sequence/frameBatch.js';
import { FrameBuilder, translateChunks } from '../../src/sequence/sixFrames.js';
import { TRANSLATE_BENCH_WORKLOADS, workloadBatch, type TranslateBenchWorkload } from '../support/frameWorkloads.js';
import { naiveSixFrames } from '../support/naiveSixFrames.js';
import { printTable } from '../support/measure.js';

/** The workloads' chunk length: one chunk per read for both read lengths. */
const CHUNK_LENGTH = 500;
/** Kept frames of the naive implementation over pre-cut chunk strings. */
export function naiveKeptFrames(chunkTexts: readonly string[]): number {
  let kept = 0;
  for (const text of chunkTexts) for (const frame of naiveSixFrames(text)) if (frame.kept) kept += 1;
  return kept;
}

function expectFrames(task: string, workload: TranslateBenchWorkload, frames: number): void {
  if (frames !== workload.frames) throw new Error(`${workload.name} / ${task}: ${frames} kept frames, pinned ${workload.frames}`);
}

async function main(): Promise<void> {
  const { values } = parseBenchArgs({ options: { time: { type: 'string', default: '2000' } } });
  const rows: (string | number)[][] = [];
  for (const workload of TRANSLATE_BENCH_WORKLOADS) {
    const records = workloadBatch(workload);
    const chunks: ChunkBatch = chunkRecordBatch(records, CHUNK_LENGTH);
    const texts = Array.from({ length: chunks.count }, (_, i) =>
      Buffer.from(chunks.bases.subarray(chunks.starts[i], chunks.ends[i])).toString('latin1'),
    );
    const builder = new FrameBuilder(records.bases.length);
    const bench = new Bench({ time: Number(values.time), warmupTime: 300 });
    bench
      .add('kernel (translateChunks)', () => expectFrames('kernel', workload, translateChunks(chunks, builder).count))
      .add('chunk + kernel + TSV', () => {
        const frames = translateChunkBatch(chunkRecordBatch(records, CHUNK_LENGTH));
        expectFrames('chunk + kernel + TSV', workload, frames.count);
        if (formatFramesTsv(frames).length === 0) throw new Error('no TSV written');
      })
      .add('naive strings', () => expectFrames('naive', workload, naiveKeptFrames(texts)));
    await bench.run();
    const naiveMs = medianMs(bench.tasks[2]!);
    for (const task of bench.tasks) {
      const ms = medianMs(task);
      const seconds = ms / 1000;
      rows.push([
        workload.name,
        task.name,
        ms,
        workload.reads / seconds,
        workload.frames / seconds,
        records.bases.length / 1e6 / seconds,
        `${(naiveMs / ms).toFixed(1)}x`,
      ]);
    }
  }
  console.log(
    `six-frame identification, one thread, chunk length ${CHUNK_LENGTH}; median of tinybench samples (per pass over the workload)`,
  );
  printTable(['workload', 'variant', 'median ms', 'reads/s', 'kept frames/s', 'MB/s (bases)', 'speed vs naive'], rows);
}

function medianMs(task: Bench['tasks'][number]): number {
  const result = task.result;
  if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
  return result.latency.p50;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
