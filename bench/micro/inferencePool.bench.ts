/**
 * Benchmark: what the inference pool (src/model) costs besides the model itself. The model is
 * test/fixtures/onnx/broadcast_h768.onnx, whose graph does next to nothing (hidden[b, t, k] = id·mask) but
 * returns a real-sized last_hidden_state [rows, tokens, 768], so the timings are the non-model path: building
 * the padded batch, the transfer to the worker, onnxruntime's own per-run cost and output allocation,
 * mask-aware pooling to [rows, 768], and the transfer back.
 *
 *   node dist/bench/micro/inferencePool.bench.js [--time 2000]
 *
 * Variants, in one tinybench Bench per batch shape:
 *   run alone        session.run on the calling thread: what onnxruntime itself costs to hand out the states
 *   in-process       the same session.run + pooling on the calling thread: the floor without workers
 *   pool 1 worker    one request at a time through the pool: the worker/transfer overhead per request
 *   pool 2 workers   4 requests in flight on two workers: the throughput a pipeline gets on 2 cores
 * and, for the transport alone, the pool on encoder_pooled.onnx (hidden 6, pooled in-graph).
 * Nothing here asserts a timing; every request checks inside the timed loop that it got [rows, width] back.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseBenchArgs } from '../support/args.js';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { Bench } from 'tinybench';
import { padTokenRows, type Matrix, type TokenBatch } from '../../src/model/batches.js';
import { startInferencePool } from '../../src/model/inferencePool.js';
import type { EmbeddingModel } from '../../src/model/modelSpec.js';
import { poolHiddenStates, realLengths } from '../../src/model/pooling.js';
import { printTable } from '../support/measure.js';

/** The committed fixtures, from dist/bench/micro. */
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/onnx', import.meta.url));
const BROADCAST: EmbeddingModel = {
  kind: 'embedding',
  label: 'broadcast',
  file: `${FIXTURES}/broadcast_h768.onnx`,
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  output: 'last_hidden_state',
  pooling: 'mean',
  hiddenSize: 768,
};
const TRANSPORT: EmbeddingModel = {
  ...BROADCAST,
  label: 'transport',
  file: `${FIXTURES}/encoder_pooled.onnx`,
  pooledOutput: 'pooled_mean',
  hiddenSize: 6,
};

/** Batch shapes: ~150-bp reads (ESM-2 rows of ~52 tokens) at a 16 384-token budget, and 500-bp chunks. */
export const SHAPES = [
  { rows: 256, tokens: 60 },
  { rows: 64, tokens: 170 },
] as const;
/** Requests in flight in the two-worker variant: two per worker, so a worker never waits for the main thread. */
const IN_FLIGHT = 4;

/** Token rows of exactly `tokens` ids (ids < 64 so that every fixture's vocabulary has them). */
function rowsOf(rows: number, tokens: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: tokens }, (_, t) => (r * 7 + t * 13) % 64));
}

function expectShape(result: Matrix, rows: number, width: number): void {
  if (result.rows !== rows || result.columns !== width || result.data.length !== rows * width) {
    throw new Error(`got [${result.rows}, ${result.columns}], expected [${rows}, ${width}]`);
  }
}

async function main(): Promise<void> {
  const { values } = parseBenchArgs({ options: { time: { type: 'string', default: '2000' } } });
  const time = Number(values.time);
  const session = await ort.InferenceSession.create(BROADCAST.file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const one = await startInferencePool(BROADCAST, { workers: 1, intraOpNumThreads: 1 });
  const two = await startInferencePool(BROADCAST, { workers: 2, intraOpNumThreads: 1 });
  const transport = await startInferencePool(TRANSPORT, { workers: 2, intraOpNumThreads: 1 });
  const summary: (string | number)[][] = [];
  try {
    for (const { rows, tokens } of SHAPES) {
      const ids = rowsOf(rows, tokens);
      const runModel = async (batch: TokenBatch): Promise<Float32Array> => {
        const dims = [rows, tokens];
        const output = await session.run({
          input_ids: new ort.Tensor('int64', batch.inputIds, dims),
          attention_mask: new ort.Tensor('int64', batch.attentionMask, dims),
        });
        const hidden = output['last_hidden_state']!.data as Float32Array;
        if (hidden.length !== rows * tokens * 768) throw new Error(`hidden states of ${hidden.length} values`);
        return hidden;
      };
      const inProcess = async (): Promise<void> => {
        const batch = padTokenRows(ids, 0);
        const hidden = await runModel(batch);
        const pooled = poolHiddenStates(
          hidden,
          { rows, length: tokens, width: 768 },
          realLengths(batch.attentionMask, rows, tokens),
          'mean',
        );
        expectShape({ rows, columns: 768, data: pooled }, rows, 768);
      };
      const parallel = (pool: typeof two, width: number) => async (): Promise<void> => {
        const results = await Promise.all(Array.from({ length: IN_FLIGHT }, () => pool.run(padTokenRows(ids, 0))));
        for (const result of results) expectShape(result, rows, width);
      };
      const variants = [
        {
          name: 'onnxruntime run alone (hidden states out, not pooled)',
          requests: 1,
          run: async () => void (await runModel(padTokenRows(ids, 0))),
        },
        { name: 'in-process run + pooling (no worker)', requests: 1, run: inProcess },
        { name: 'pool, 1 worker, 1 in flight', requests: 1, run: async () => expectShape(await one.run(padTokenRows(ids, 0)), rows, 768) },
        { name: `pool, 2 workers, ${IN_FLIGHT} in flight`, requests: IN_FLIGHT, run: parallel(two, 768) },
        {
          name: `transport only (pooled in-graph, hidden 6), 2 workers, ${IN_FLIGHT} in flight`,
          requests: IN_FLIGHT,
          run: parallel(transport, 6),
        },
      ];
      const bench = new Bench({ time, warmupTime: 300 });
      for (const variant of variants) bench.add(variant.name, variant.run);
      await bench.run();
      const baseline = medianMs(bench.tasks[1]!);
      variants.forEach((variant, i) => {
        const perRequest = medianMs(bench.tasks[i]!) / variant.requests;
        summary.push([
          `${rows} × ${tokens}`,
          variant.name,
          perRequest,
          1000 / perRequest,
          (1000 * rows) / perRequest,
          `${(perRequest / baseline).toFixed(2)}x`,
        ]);
      });
    }
  } finally {
    await Promise.all([one.close(), two.close(), transport.close(), session.release()]);
  }
  const [load] = loadavg();
  console.log(
    `\nInference pool overhead (broadcast_h768.onnx: near-zero model cost, hidden 768; medians of tinybench samples; ` +
      `${availableParallelism()} cores, 1-minute load average ${load!.toFixed(1)} at the end)`,
  );
  printTable(['batch', 'variant', 'ms / request', 'requests/s', 'rows/s', 'time / request vs in-process'], summary);
}

function medianMs(task: Bench['tasks'][number]): number {
  const result = task.result;
  if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
  return result.latency.p50;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
