/**
 * Benchmark 8c: what the embedding stage costs besides the model: tokenizing, packing, padding into int64
 * tensors, the transfer to and from the inference workers, the pool's bookkeeping, scattering pooled rows
 * back and emitting batches in order, in kept frames per second.
 *
 *   node dist/bench/micro/embedOverhead.bench.js [--time 3000] [--workload '500-bp reads'] [--kind dna]
 *
 * The model is test/fixtures/onnx/encoder_pooled.onnx (64-token vocabulary, an 8-wide embedding, a 6-wide
 * projection and an in-graph mean): session.run costs next to nothing, so what is measured is ours. The
 * frames are realistic: bench/micro/translate.bench.ts's generated reads (half coding, half random), chunked
 * at 500 and put through the six-frame kernel, delivered in batches of 4 096 reads as readFasta would.
 * DNA rows are tokenized with the real DNABERT-S BPE (../shared/models/dnabert-s/tokenizer.json; the demo
 * bundle's BPE when ../shared is absent), protein rows with ESM-2's alphabet; the ids are folded into the
 * fixture's vocabulary (id mod 64) by a wrapper, which adds one pass over the ids and nothing else.
 *
 * Variants, in one tinybench Bench per workload and kind:
 *   tokenize only     RowTokenizer over every batch: the floor, the part no pipeline can skip
 *   stage, 1 worker   readFasta-like credited source → embedNucleotides / embedProteins → sink, the
 *                     workload streamed ≥ 3 default windows' worth (several passes), default options
 *   stage, 2 workers  the same with two inference workers (one intra-op thread each)
 * Every task checks that it embedded exactly the pinned frame count (test/embed/embedOverheadBench.test.ts
 * pins it too). Nothing asserts a timing: compare medians and ratios; the pooled rows are 6 wide here, where
 * a real model's are 768 / 2 560 (scattering those adds ~3 / 10 KiB of copying per frame).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs } from '../support/args.js';
import { Bench } from 'tinybench';
import { embedNucleotides, embedProteins } from '../../operators/embedFrames.js';
import { FRAME_NUCLEOTIDES, FRAME_PROTEINS, type RowSelector } from '../../src/embed/rowSelector.js';
import { RowTokenizer } from '../../src/embed/tokenizeRows.js';
import { Credit, type Leased } from '../../src/flow/credit.js';
import { creditedSource } from '../../src/flow/creditedSource.js';
import { consumeBatches } from '../../src/flow/sink.js';
import { batchUnits } from '../../src/flow/units.js';
import type { TokenBatch } from '../../src/model/batches.js';
import { startInferencePool, type InferencePool } from '../../src/model/inferencePool.js';
import { DEFAULT_PACKING_WINDOW } from '../../src/packing/tokenPacker.js';
import type { EmbeddingModel } from '../../src/model/modelSpec.js';
import type { FrameBatch } from '../../src/sequence/frameBatch.js';
import { loadBpeTokenizer } from '../../src/tokenize/bpeTokenizer.js';
import { Esm2Tokenizer } from '../../src/tokenize/esm2Tokenizer.js';
import type { Tokenizer } from '../../src/tokenize/tokenizer.js';
import { printTable } from '../support/measure.js';
import { TRANSLATE_BENCH_WORKLOADS, workloadFrames } from '../support/frameWorkloads.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MODEL: EmbeddingModel = {
  kind: 'embedding',
  label: 'near-free',
  file: `${REPO}test/fixtures/onnx/encoder_pooled.onnx`,
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  output: 'last_hidden_state',
  pooledOutput: 'pooled_mean',
  pooling: 'mean',
  hiddenSize: 6,
};
/** The fixture model's vocabulary: ids are folded into it. */
const MODEL_VOCAB = 64;
/**
 * The stage variants stream the workload's batches repeatedly until they have pushed at least this many
 * default windows (8 192 rows) through: a single window would be tokenized whole before its first pack runs,
 * which measures start-up, not the steady state where one window's tokenizing overlaps the last one's packs.
 */
const STAGE_WINDOWS = 3;
const DNABERT_TOKENIZER = process.env['VIRNUCPRO_SHARED']
  ? `${process.env['VIRNUCPRO_SHARED']}/models/dnabert-s/tokenizer.json`
  : `${REPO}../shared/models/dnabert-s/tokenizer.json`;
const DEMO_TOKENIZER = `${REPO}models/demo/tokenizer.json`;

/** A tokenizer whose ids are folded into the fixture model's vocabulary (one pass over the ids). */
class FoldedTokenizer implements Tokenizer {
  readonly vocabSize = MODEL_VOCAB;
  readonly #inner: Tokenizer;
  constructor(inner: Tokenizer) {
    this.#inner = inner;
  }
  maxTokens(byteLength: number): number {
    return this.#inner.maxTokens(byteLength);
  }
  encodeInto(bytes: Uint8Array, out: Int32Array, offset = 0): number {
    const count = this.#inner.encodeInto(bytes, out, offset);
    for (let i = offset; i < offset + count; i++) out[i] = out[i]! % MODEL_VOCAB;
    return count;
  }
  encode(bytes: Uint8Array): Int32Array {
    const ids = this.#inner.encode(bytes);
    for (let i = 0; i < ids.length; i++) ids[i] = ids[i]! % MODEL_VOCAB;
    return ids;
  }
}

function countFrames(batches: readonly FrameBatch[]): number {
  return batches.reduce((sum, batch) => sum + batch.count, 0);
}

function expectFrames(task: string, expected: number, frames: number): void {
  if (frames !== expected) throw new Error(`${task}: ${frames} frames embedded, pinned ${expected}`);
}

/** Passes over the workload a stage variant makes (see {@link STAGE_WINDOWS}). */
export function stagePasses(frames: number): number {
  return Math.ceil((STAGE_WINDOWS * DEFAULT_PACKING_WINDOW) / frames);
}

/** Streams the frames `passes` times through an embedding operator on `pool`, as a pipeline does; returns the frames emitted. */
async function runStage(
  batches: readonly FrameBatch[],
  passes: number,
  kind: 'dna' | 'protein',
  tokenizer: Tokenizer,
  pool: InferencePool<TokenBatch>,
): Promise<number> {
  const credit = new Credit(64 * 1024 * 1024);
  async function* open(): AsyncGenerator<FrameBatch> {
    for (let pass = 0; pass < passes; pass++) yield* batches;
  }
  const source = creditedSource(open, {
    credit,
    weight: (batch: FrameBatch) => batchUnits(batch.nucleotides.length, batch.count),
    attach: (batch, lease): FrameBatch & Leased => ({ ...batch, lease }),
  });
  // The wrapper hides which tokenizer it folds, so the pad id is given: DNABERT-S [PAD] = 3, ESM-2 <pad> = 1.
  const options = { tokenizer, pool, padId: kind === 'dna' ? 3 : 1 };
  let frames = 0;
  const count = (batch: { count: number }): void => void (frames += batch.count);
  await (kind === 'dna'
    ? consumeBatches(source.pipe(embedNucleotides(options)), count)
    : consumeBatches(source.pipe(embedProteins(options)), count));
  return frames;
}

async function main(): Promise<void> {
  const { values } = parseBenchArgs({
    options: { time: { type: 'string', default: '3000' }, workload: { type: 'string' }, kind: { type: 'string' } },
  });
  const time = Number(values.time);
  const realBpe = existsSync(DNABERT_TOKENIZER);
  const bpe = new FoldedTokenizer(await loadBpeTokenizer(realBpe ? DNABERT_TOKENIZER : DEMO_TOKENIZER));
  const esm = new FoldedTokenizer(new Esm2Tokenizer());
  const pools = {
    one: await startInferencePool(MODEL, { workers: 1, intraOpNumThreads: 1 }),
    two: await startInferencePool(MODEL, { workers: 2, intraOpNumThreads: 1 }),
  };
  const rows: (string | number)[][] = [];
  try {
    for (const workload of TRANSLATE_BENCH_WORKLOADS.filter((w) => values.workload === undefined || w.name === values.workload)) {
      const batches = workloadFrames(workload);
      const frames = countFrames(batches);
      expectFrames(`${workload.name} workload`, workload.frames, frames);
      const passes = stagePasses(frames);
      for (const [kind, tokenizer, selector] of [
        ['dna', bpe, FRAME_NUCLEOTIDES],
        ['protein', esm, FRAME_PROTEINS],
      ] as const) {
        if (values.kind !== undefined && values.kind !== kind) continue;
        const rowTokenizer = new RowTokenizer(tokenizer, selector as RowSelector<FrameBatch>, Infinity);
        const bench = new Bench({ time, iterations: 5, warmupTime: 500, warmupIterations: 1 });
        bench
          .add('tokenize only', () => {
            let tokenized = 0;
            for (const batch of batches) tokenized += rowTokenizer.tokenize(batch).starts.length - 1;
            expectFrames('tokenize only', frames, tokenized);
          })
          .add('stage, 1 worker', async () =>
            expectFrames('stage, 1 worker', passes * frames, await runStage(batches, passes, kind, tokenizer, pools.one)),
          )
          .add('stage, 2 workers', async () =>
            expectFrames('stage, 2 workers', passes * frames, await runStage(batches, passes, kind, tokenizer, pools.two)),
          );
        await bench.run();
        const floor = medianMs(bench.tasks[0]!);
        bench.tasks.forEach((task, t) => {
          const perPass = medianMs(task) / (t === 0 ? 1 : passes);
          rows.push([workload.name, kind, task.name, perPass, frames / (perPass / 1000), `${(perPass / floor).toFixed(2)}x`]);
        });
      }
    }
  } finally {
    await Promise.all([pools.one.close(), pools.two.close()]);
  }
  console.log(
    `embedding stage without the model (encoder_pooled.onnx), DNA BPE: ${realBpe ? 'DNABERT-S' : 'demo (../shared absent)'}; ` +
      'median of tinybench samples, one pass over the workload each',
  );
  printTable(['workload', 'kind', 'variant', 'median ms per pass', 'frames/s', 'time vs tokenize only'], rows);
}

function medianMs(task: Bench['tasks'][number]): number {
  const result = task.result;
  if (result.state !== 'completed')
    throw new Error(`${task.name}: ${result.state}`, { cause: 'error' in result ? result.error : undefined });
  return result.latency.p50;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
