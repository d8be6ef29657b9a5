/**
 * Benchmark 8a: padding efficiency of token-budget packing (src/packing) on realistic row-length mixes, for
 * several budgets and look-ahead windows, plus what an optimal split would gain and what the packer costs.
 *
 *   node dist/bench/micro/packingEfficiency.bench.js [--scale 1] [--bpe approx|hf] [--no-timing]
 *
 * Row lengths come from synthetic reads run through the VirNucPro steps that decide them (semantics §2-§4),
 * with the project's chunker and six-frame kernel (src/sequence): chunking, six frames, stop-free frames kept. ESM-2 rows are P + 2 tokens. DNABERT-S rows are the BPE token
 * count of the kept nucleotide slice ([CLS]/[SEP] included): by default an APPROXIMATION fitted to the real
 * tokenizer on random DNA (see approxDnabertTokens); `--bpe hf` tokenizes with @huggingface/tokenizers and
 * ../shared/models/dnabert-s/tokenizer.json instead (~1 200 rows/s: --scale 0.1 takes ~90 s).
 *
 * Efficiency is real tokens / (rows × padded length), summed over batches. Nothing here asserts a timing;
 * the row counts are pinned (PACKING_WORKLOADS[].rows, checked here and in test/packing).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs } from '../support/args.js';
import { Bench } from 'tinybench';
import { PackingStats } from '../../src/packing/packingStats.js';
import { DEFAULT_PACKING_WINDOW, DEFAULT_TOKEN_BUDGET, TokenPacker } from '../../src/packing/tokenPacker.js';
import { median, printTable } from '../support/measure.js';
import { fillChunkBoundaries } from '../../src/sequence/chunking.js';
import { FrameBuilder, translateChunks } from '../../src/sequence/sixFrames.js';
import { prng } from '../support/syntheticFasta.js';

// ---------------------------------------------------------------------------------------------------------
// Length mixes

export interface PackingWorkload {
  readonly name: string;
  readonly reads: number;
  readonly chunkLength: 300 | 500;
  /** Share of reads lying inside a gene: one frame is stop-free over the whole read (viral genomes are ~90 % coding). */
  readonly codingFraction: number;
  readonly readLength: (random: () => number) => number;
  readonly seed: number;
  /** Kept frames (= rows per model) at scale 1: pinned so that a generator change cannot go unnoticed. */
  readonly rows: number;
}

const uniform = (lo: number, hi: number) => (random: () => number) => lo + Math.floor(random() * (hi - lo + 1));
const logUniform = (lo: number, hi: number) => (random: () => number) => Math.round(lo * (hi / lo) ** random());

export const PACKING_WORKLOADS: readonly PackingWorkload[] = [
  { name: '150-bp reads', reads: 120_000, chunkLength: 300, codingFraction: 0.5, readLength: () => 150, seed: 1, rows: 122_900 },
  { name: '300-bp chunks', reads: 75_000, chunkLength: 300, codingFraction: 0.5, readLength: uniform(150, 1200), seed: 2, rows: 119_661 },
  { name: '500-bp chunks', reads: 90_000, chunkLength: 500, codingFraction: 0.5, readLength: uniform(250, 2000), seed: 3, rows: 124_782 },
  { name: 'mixed lengths', reads: 60_000, chunkLength: 500, codingFraction: 0.9, readLength: logUniform(60, 3000), seed: 4, rows: 131_220 },
];

/** One kept frame: its protein length P and its nucleotide slice (ASCII; a view valid during the call). */
export type FrameVisitor = (proteinLength: number, nucleotides: Uint8Array) => void;

const ASCII_BASE = Uint8Array.from('ACGT', (base) => base.charCodeAt(0));
/** Sense codons (the 61 non-stops) as 2-bit codes 16·b1 + 4·b2 + b3 over A0 C1 G2 T3. */
const SENSE = Array.from({ length: 64 }, (_, codon) => codon).filter((codon) => ![48, 50, 56].includes(codon)); // TAA TAG TGA

/** Fills `read` with random ASCII bases; a coding read has one frame (random strand and offset) free of stops. */
function randomRead(read: Uint8Array, coding: boolean, random: () => number): void {
  // 16 bases per draw: the generator's 32 random bits, two per base (prng returns uint32 / 2^32 exactly).
  for (let i = 0; i < read.length; i += 16) {
    const word = (random() * 4294967296) >>> 0;
    for (let b = 0; b < 16 && i + b < read.length; b++) read[i + b] = (word >>> (2 * b)) & 3;
  }
  if (coding) {
    for (let at = Math.floor(random() * 3); at + 3 <= read.length; at += 3) {
      const codon = SENSE[Math.floor(random() * SENSE.length)]!;
      read[at] = codon >> 4;
      read[at + 1] = (codon >> 2) & 3;
      read[at + 2] = codon & 3;
    }
    if (random() < 0.5) {
      // The gene lies on the minus strand: the read is its reverse complement (code x pairs with 3 − x).
      read.reverse();
      for (let i = 0; i < read.length; i++) read[i] = 3 - read[i]!;
    }
  }
  for (let i = 0; i < read.length; i++) read[i] = ASCII_BASE[read[i]!]!;
}

/** Bases and reads generated per six-frame call: large batches amortise the call, as in the pipeline. */
const BATCH_BASES = 1 << 20;
const BATCH_READS = 4_096;

/**
 * Runs `visit` on every kept frame of the workload's reads, in input order, through the project's own
 * chunker and six-frame kernel (src/sequence). Deterministic per seed.
 */
export function visitWorkload(workload: PackingWorkload, scale: number, visit: FrameVisitor): void {
  const random = prng(workload.seed);
  const reads = Math.max(1, Math.round(workload.reads * scale));
  const bases = new Uint8Array(BATCH_BASES);
  // Σ ceil(length / chunk) over a batch ≤ its bases / chunk + its reads.
  const starts = new Uint32Array(Math.ceil(BATCH_BASES / workload.chunkLength) + BATCH_READS);
  const ends = new Uint32Array(starts.length);
  const builder = new FrameBuilder(BATCH_BASES);
  let used = 0;
  let chunks = 0;
  let batchReads = 0;
  const flush = (): void => {
    const frames = translateChunks({ bases, starts, ends, count: chunks }, builder);
    for (let i = 0; i < frames.count; i++) {
      const nucleotides = frames.nucleotides.subarray(frames.nucleotideStarts[i]!, frames.nucleotideStarts[i + 1]!);
      visit(frames.proteinStarts[i + 1]! - frames.proteinStarts[i]!, nucleotides);
    }
    used = chunks = batchReads = 0;
  };
  for (let r = 0; r < reads; r++) {
    const length = workload.readLength(random);
    if (used + length > BATCH_BASES || batchReads === BATCH_READS) flush();
    randomRead(bases.subarray(used, used + length), random() < workload.codingFraction, random);
    chunks = fillChunkBoundaries(length, workload.chunkLength, used, starts, ends, chunks);
    used += length;
    batchReads += 1;
  }
  flush();
}

/**
 * DNABERT-S token count of `bases` random bases, [CLS]/[SEP] included: mean 2.81 + 0.2106·bases and standard
 * deviation 0.25 + 0.11·√bases, fitted to the real BPE (../shared/models/dnabert-s/tokenizer.json through
 * @huggingface/tokenizers) on 300 random sequences each of 10, 50, 100, 151, 301, 499 and 1 000 bases
 * (means 4.86 … 213.38, within 0.1 token of the fit; sds 0.60 … 3.47). An approximation: real reads are not
 * random, and BPE merges learnt on genomes may shorten them.
 */
export function approxDnabertTokens(bases: number, random: () => number): number {
  const gauss = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.max(3, Math.round(2.81 + 0.2106 * bases + gauss * (0.25 + 0.11 * Math.sqrt(bases))));
}

export interface RowLengths {
  readonly esm: Int32Array;
  readonly dnabert: Int32Array;
}

type DnaTokenCounter = (nucleotides: Uint8Array) => number;

/** Token lengths of every kept frame of the workload, for both models, in input order. */
export function workloadRowLengths(workload: PackingWorkload, scale: number, dnaTokens: DnaTokenCounter): RowLengths {
  const esm: number[] = [];
  const dnabert: number[] = [];
  visitWorkload(workload, scale, (proteinLength, nucleotides) => {
    esm.push(proteinLength + 2);
    dnabert.push(dnaTokens(nucleotides));
  });
  return { esm: Int32Array.from(esm), dnabert: Int32Array.from(dnabert) };
}

function approxCounter(seed: number): DnaTokenCounter {
  const random = prng(seed ^ 0x5eed);
  return (nucleotides) => approxDnabertTokens(nucleotides.length, random);
}

/** The real DNABERT-S BPE, from ../shared beside the checkout (dist/bench/micro → four levels up). */
async function realBpeCounter(): Promise<DnaTokenCounter> {
  const shared = process.env['VIRNUCPRO_SHARED'] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared');
  const tokenizerFile = path.join(shared, 'models/dnabert-s/tokenizer.json');
  if (!existsSync(tokenizerFile)) throw new Error(`--bpe hf needs ${tokenizerFile} (set VIRNUCPRO_SHARED)`);
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const tokenizer = new Tokenizer(JSON.parse(readFileSync(tokenizerFile, 'utf8')), {});
  const ascii = new TextDecoder('latin1');
  return (nucleotides) => tokenizer.encode(ascii.decode(nucleotides)).ids.length;
}

// ---------------------------------------------------------------------------------------------------------
// Packing variants

/** Packs `lengths` in input order with the shipped packer and returns its statistics. */
export function packWithTokenPacker(lengths: Int32Array, tokenBudget: number, window: number): PackingStats {
  const packer = new TokenPacker<number>({ tokenBudget, window });
  const stats = new PackingStats();
  for (let i = 0; i < lengths.length; i++) for (const batch of packer.push(i, lengths[i]!)) stats.record(batch);
  for (const batch of packer.flush()) stats.record(batch);
  return stats;
}

/** Batches and padded tokens of a split. */
export interface SplitCost {
  batches: number;
  paddedTokens: number;
}

/** Baseline without look-ahead: greedy cuts in arrival order (what batching without sorting does). */
export function unsortedCost(lengths: Int32Array, tokenBudget: number): SplitCost {
  const cost: SplitCost = { batches: 0, paddedTokens: 0 };
  let rows = 0;
  let longest = 0;
  for (const length of lengths) {
    const wider = Math.max(longest, length);
    if (rows > 0 && (rows + 1) * wider > tokenBudget) {
      cost.batches += 1;
      cost.paddedTokens += rows * longest;
      rows = 0;
      longest = 0;
    }
    rows += 1;
    longest = Math.max(longest, length);
  }
  if (rows > 0) {
    cost.batches += 1;
    cost.paddedTokens += rows * longest;
  }
  return cost;
}

/**
 * The smarter split measured against the greedy one: over an ascending run of lengths, the contiguous split
 * with the fewest batches (greedy's count, which is optimal because any sub-run of a feasible batch is
 * feasible) and, among those, the least padding. Dynamic programming over prefixes, O(n × rows per batch).
 */
export function optimalSplitCost(sorted: Int32Array, tokenBudget: number): SplitCost {
  const n = sorted.length;
  const batches = new Int32Array(n + 1);
  const padded = new Float64Array(n + 1);
  for (let end = 1; end <= n; end++) {
    const width = sorted[end - 1]!;
    batches[end] = batches[end - 1]! + 1; // the last row alone is always allowed
    padded[end] = padded[end - 1]! + width;
    for (let start = end - 2; start >= 0 && (end - start) * width <= tokenBudget; start--) {
      const b = batches[start]! + 1;
      const p = padded[start]! + (end - start) * width;
      if (b < batches[end]! || (b === batches[end]! && p < padded[end]!)) {
        batches[end] = b;
        padded[end] = p;
      }
    }
  }
  return { batches: batches[n]!, paddedTokens: padded[n]! };
}

/** The optimal split applied window by window, with the same windows as the packer (no flush mid-stream). */
export function windowedOptimalCost(lengths: Int32Array, tokenBudget: number, window: number): SplitCost {
  const total: SplitCost = { batches: 0, paddedTokens: 0 };
  for (let start = 0; start < lengths.length; start += window) {
    const cost = optimalSplitCost(lengths.slice(start, start + window).sort(), tokenBudget);
    total.batches += cost.batches;
    total.paddedTokens += cost.paddedTokens;
  }
  return total;
}

/** The obvious implementation the packer is timed against: row objects, a comparator sort, sliced key lists. */
function naivePack(lengths: Int32Array, tokenBudget: number, window: number): number[][] {
  const batches: number[][] = [];
  const cut = (held: { key: number; tokens: number }[]) => {
    held.sort((a, b) => a.tokens - b.tokens);
    let start = 0;
    for (let i = 1; i <= held.length; i++) {
      if (i === held.length || (i - start + 1) * held[i]!.tokens > tokenBudget) {
        batches.push(held.slice(start, i).map((row) => row.key));
        start = i;
      }
    }
  };
  let held: { key: number; tokens: number }[] = [];
  for (let i = 0; i < lengths.length; i++) {
    held.push({ key: i, tokens: lengths[i]! });
    if (held.length === window) {
      cut(held);
      held = [];
    }
  }
  if (held.length > 0) cut(held);
  return batches;
}

// ---------------------------------------------------------------------------------------------------------
// Report

export const BUDGETS = [4_096, 8_192, 16_384, 32_768] as const;
export const WINDOWS = [256, 1_024, 2_048, 4_096, 8_192, 16_384] as const;

const percent = (fraction: number) => `${(100 * fraction).toFixed(1)} %`;

async function main(): Promise<void> {
  const { values } = parseBenchArgs({
    options: {
      scale: { type: 'string', default: '1' },
      bpe: { type: 'string', default: 'approx' },
      'no-timing': { type: 'boolean', default: false },
    },
  });
  const scale = Number(values.scale);
  if (values.bpe !== 'approx' && values.bpe !== 'hf') throw new Error(`invalid --bpe ${values.bpe}: available approx, hf`);
  const real = values.bpe === 'hf' ? await realBpeCounter() : undefined;

  const mixes: { workload: PackingWorkload; model: string; lengths: Int32Array }[] = [];
  for (const workload of PACKING_WORKLOADS) {
    const rows = workloadRowLengths(workload, scale, real ?? approxCounter(workload.seed));
    if (scale === 1 && rows.esm.length !== workload.rows) {
      throw new Error(`${workload.name}: ${rows.esm.length} rows, pinned ${workload.rows}: the generator changed`);
    }
    mixes.push(
      { workload, model: 'ESM-2', lengths: rows.esm },
      { workload, model: `DNABERT-S (${values.bpe} BPE)`, lengths: rows.dnabert },
    );
  }

  console.log(`Row lengths (tokens incl. specials), scale ${scale}`);
  printTable(
    ['workload', 'model', 'rows', 'min', 'median', 'mean', 'max'],
    mixes.map(({ workload, model, lengths }) => {
      const sorted = lengths.slice().sort();
      const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
      return [
        workload.name,
        model,
        sorted.length,
        String(sorted[0]),
        String(median(Array.from(sorted))),
        mean,
        String(sorted[sorted.length - 1]),
      ];
    }),
  );

  console.log('\nPadding efficiency (real / (rows × padded)), greedy cuts of the sorted window; cell: efficiency · rows/batch · batches');
  for (const { workload, model, lengths } of mixes) {
    console.log(`\n${workload.name}, ${model}`);
    printTable(
      ['budget', 'unsorted', ...WINDOWS.map((w) => `window ${w}`)],
      BUDGETS.map((budget) => {
        const unsorted = unsortedCost(lengths, budget);
        const realTokens = lengths.reduce((a, b) => a + b, 0);
        return [
          budget,
          `${percent(realTokens / unsorted.paddedTokens)} · ${(lengths.length / unsorted.batches).toFixed(0)}`,
          ...WINDOWS.map((window) => {
            const stats = packWithTokenPacker(lengths, budget, window);
            return `${percent(stats.efficiency)} · ${(stats.rows / stats.batches).toFixed(0)} · ${stats.batches}`;
          }),
        ];
      }),
    );
  }

  console.log(`\nGreedy vs optimal split (same windows, same batch count, least padding), budget ${DEFAULT_TOKEN_BUDGET}`);
  const comparison: (string | number)[][] = [];
  for (const { workload, model, lengths } of mixes) {
    for (const window of WINDOWS) {
      const greedy = packWithTokenPacker(lengths, DEFAULT_TOKEN_BUDGET, window);
      const optimal = windowedOptimalCost(lengths, DEFAULT_TOKEN_BUDGET, window);
      if (optimal.batches !== greedy.batches) throw new Error(`optimal split used ${optimal.batches} batches, greedy ${greedy.batches}`);
      const optimalEfficiency = greedy.realTokens / optimal.paddedTokens;
      comparison.push([
        workload.name,
        model,
        window,
        percent(greedy.efficiency),
        percent(optimalEfficiency),
        (100 * (optimalEfficiency - greedy.efficiency)).toFixed(2),
        String(greedy.batches),
      ]);
    }
  }
  printTable(['workload', 'model', 'window', 'greedy', 'optimal', 'gain (points)', 'batches'], comparison);

  if (values['no-timing']) return;
  const timed = mixes.find((mix) => mix.workload.name === 'mixed lengths' && mix.model === 'ESM-2')!;
  const bench = new Bench({ time: 2_000, warmupTime: 300 });
  const options = [DEFAULT_TOKEN_BUDGET, DEFAULT_PACKING_WINDOW] as const;
  bench
    .add('TokenPacker (greedy)', () => void packWithTokenPacker(timed.lengths, ...options))
    .add('naive objects + comparator sort', () => void naivePack(timed.lengths, ...options))
    .add('optimal split (DP)', () => void windowedOptimalCost(timed.lengths, ...options));
  await bench.run();
  const oursMs = medianLatency(bench.tasks[0]!);
  console.log(
    `\nPacking cost, ${timed.workload.name} ESM-2 rows (${timed.lengths.length}), budget ${options[0]}, window ${options[1]}; median of tinybench samples`,
  );
  printTable(
    ['variant', 'median ms / pass', 'rows/s', 'ns/row', 'time vs TokenPacker'],
    bench.tasks.map((task) => {
      const ms = medianLatency(task);
      return [task.name, ms, timed.lengths.length / (ms / 1000), (ms * 1e6) / timed.lengths.length, `${(ms / oursMs).toFixed(2)}x`];
    }),
  );
}

function medianLatency(task: Bench['tasks'][number]): number {
  const result = task.result;
  if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
  return result.latency.p50;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
