/**
 * Single-thread DNABERT-S tokenization: ours (src/tokenize/bpeTokenizer.ts, bytes in, ids into a reused
 * Int32Array) against @huggingface/tokenizers 0.2.0 (pure JS, strings in) on the same random frames, in one
 * tinybench Bench per workload. Needs the real tokenizer.json in ../shared (or VIRNUCPRO_SHARED).
 *
 *   node dist/bench/micro/tokenize.bench.js [--time 2000]
 *
 * Frames have the lengths the pipeline produces: ~49 bases from 150-bp reads, 299 and 499 from 300- and
 * 500-bp chunks (semantics §4), A/C/G/T with a rare N. The library gets its strings decoded beforehand, off
 * the clock, and its word cache (an LRU of 10 000 words under 256 characters) is cleared before each pass:
 * the pipeline never sees a frame twice, while a bench repeating its frames would be served from the cache
 * (3x faster on 49-base frames). Every pass checks its token total against the pinned TOKENIZE_BENCH_WORKLOADS[].tokens (also
 * checked, ours and the library's, in test/tokenize/tokenizeBench.test.ts), so a task that measures nothing
 * fails. Nothing asserts a timing: compare the printed medians and the ratio.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs } from '../support/args.js';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { Bench } from 'tinybench';
import { parseBpeTokenizer } from '../../src/tokenize/index.js';
import { printTable } from '../support/measure.js';
import { prng } from '../support/syntheticFasta.js';

export interface TokenizeBenchWorkload {
  readonly name: string;
  readonly frames: number;
  /** Bases per frame. */
  readonly length: number;
  readonly seed: number;
  /** Token ids the workload encodes to, [CLS] and [SEP] included: pinned. */
  readonly tokens: number;
}

export const TOKENIZE_BENCH_WORKLOADS: readonly TokenizeBenchWorkload[] = [
  { name: '150-bp read frames (49 b)', frames: 3_000, length: 49, seed: 21, tokens: 39_965 },
  { name: '300-bp chunk frames (299 b)', frames: 600, length: 299, seed: 22, tokens: 40_402 },
  { name: '500-bp chunk frames (499 b)', frames: 400, length: 499, seed: 23, tokens: 44_041 },
];

/** One N per 500 bases on average: frames keep ambiguous codons (semantics §4). */
const N_RATE = 1 / 500;

/**
 * The DNABERT-S tokenizer.json: ../shared/models/dnabert-s unless VIRNUCPRO_SHARED says otherwise, as in
 * test/support/shared.ts (which imports vitest, so a plain `node` run cannot load it).
 */
export function dnabertTokenizerFile(): string {
  const shared = process.env['VIRNUCPRO_SHARED'] ?? path.resolve(fileURLToPath(import.meta.url), '../../../../../shared');
  return path.join(shared, 'models/dnabert-s/tokenizer.json');
}

/** The workload's frames as byte arrays (what the pipeline holds). Deterministic per seed. */
export function workloadFrames(workload: TokenizeBenchWorkload): Uint8Array[] {
  const random = prng(workload.seed);
  return Array.from({ length: workload.frames }, () => {
    const frame = new Uint8Array(workload.length);
    for (let i = 0; i < frame.length; i++) {
      frame[i] = random() < N_RATE ? 78 : 'ACGT'.charCodeAt(Math.floor(random() * 4));
    }
    return frame;
  });
}

function expectTokens(task: string, workload: TokenizeBenchWorkload, tokens: number): void {
  if (tokens !== workload.tokens) throw new Error(`${workload.name} / ${task}: ${tokens} tokens, pinned ${workload.tokens}`);
}

async function main(): Promise<void> {
  const { values } = parseBenchArgs({ options: { time: { type: 'string', default: '2000' } } });
  const tokenizerFile = dnabertTokenizerFile();
  if (!existsSync(tokenizerFile)) {
    // A skip, as in the tests, so that `npm run bench` goes on with the other benchmarks.
    console.error(
      `[skip] tokenize bench: it needs the real DNABERT-S tokenizer.json, not found at ${tokenizerFile} ` +
        '(../shared beside the checkout; set VIRNUCPRO_SHARED to the folder that holds models/dnabert-s/)',
    );
    return;
  }
  const text = readFileSync(tokenizerFile, 'utf8');
  const ours = parseBpeTokenizer(text, tokenizerFile);
  const library = new HfTokenizer(JSON.parse(text) as object, {});
  const wordCache = library.model as unknown as { clear_cache(): void };
  const rows: (string | number)[][] = [];
  for (const workload of TOKENIZE_BENCH_WORKLOADS) {
    const frames = workloadFrames(workload);
    const strings = frames.map((frame) => Buffer.from(frame).toString('latin1'));
    const out = new Int32Array(ours.maxTokens(workload.length));
    // The library needs many seconds per pass on long frames: a few passes give a stable median.
    const bench = new Bench({ time: Number(values.time), iterations: 5, warmupIterations: 2, warmupTime: 300 });
    bench
      .add('virnucpro BpeTokenizer', () => {
        let tokens = 0;
        for (const frame of frames) tokens += ours.encodeInto(frame, out);
        expectTokens('ours', workload, tokens);
      })
      .add('@huggingface/tokenizers', () => {
        wordCache.clear_cache();
        let tokens = 0;
        for (const frame of strings) tokens += library.encode(frame).ids.length;
        expectTokens('library', workload, tokens);
      });
    await bench.run();
    const libraryMs = medianMs(bench.tasks[1]!);
    for (const task of bench.tasks) {
      const seconds = medianMs(task) / 1000;
      rows.push([
        workload.name,
        task.name,
        seconds * 1000,
        workload.frames / seconds,
        (workload.frames * workload.length) / 1e6 / seconds,
        `${(libraryMs / 1000 / seconds).toFixed(1)}x`,
      ]);
    }
  }
  console.log('DNABERT-S tokenization, one thread; median of tinybench samples (one pass over the workload each)');
  printTable(['workload', 'variant', 'median ms', 'frames/s', 'M bases/s', 'speed vs library'], rows);
}

function medianMs(task: Bench['tasks'][number]): number {
  const result = task.result;
  if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
  return result.latency.p50;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
