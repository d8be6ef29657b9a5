/**
 * The generated reads the translate, embedding-overhead and ORT-vs-PyTorch benchmarks share, and their kept
 * frames: no benchmark library here, so the GPU machine's runtime (production dependencies only) can run
 * bench/e2e/ortVsTorch.js.
 */
import type { RecordBatch } from '../../src/fasta/recordBatch.js';
import { chunkRecordBatch } from '../../src/sequence/chunkBatch.js';
import { translateChunkBatch, type FrameBatch } from '../../src/sequence/frameBatch.js';
import { CODON_TABLE } from './naiveSixFrames.js';
import { prng } from './syntheticFasta.js';

export interface TranslateBenchWorkload {
  readonly name: string;
  readonly reads: number;
  readonly length: number;
  /** Share of reads whose F1 frame is stop-free. */
  readonly codingFraction: number;
  readonly seed: number;
  /** Kept frames at chunk length 500: pinned, so that a generator or kernel change cannot go unnoticed. */
  readonly frames: number;
}

export const TRANSLATE_BENCH_WORKLOADS: readonly TranslateBenchWorkload[] = [
  { name: '150-bp reads', reads: 20_000, length: 150, codingFraction: 0.5, seed: 11, frames: 20_307 },
  { name: '500-bp reads', reads: 6_000, length: 500, codingFraction: 0.5, seed: 12, frames: 3_055 },
];

/** Reads per upstream batch: readFasta's default record cap. */
const BATCH_READS = 4096;
const SENSE_CODONS = [...CODON_TABLE].filter(([, residue]) => residue !== '*').map(([codon]) => codon);

/** The workload's reads as a RecordBatch (one buffer, as the FASTA reader yields them). */
export function workloadBatch(workload: TranslateBenchWorkload): RecordBatch {
  const random = prng(workload.seed);
  const { reads, length } = workload;
  const bases = new Uint8Array(reads * length);
  const starts = new Uint32Array(reads + 1);
  for (let r = 0; r < reads; r++) {
    const at = r * length;
    starts[r + 1] = at + length;
    if (random() < workload.codingFraction) {
      for (let b = 0; b < length; b += 3) {
        const codon = SENSE_CODONS[Math.floor(random() * SENSE_CODONS.length)]!;
        for (let i = 0; i < 3 && b + i < length; i++) bases[at + b + i] = codon.charCodeAt(i);
      }
    } else {
      for (let b = 0; b < length; b++) bases[at + b] = 'ACGT'.charCodeAt(Math.floor(random() * 4));
    }
  }
  const ids = Array.from({ length: reads }, (_, r) => `read${r}`);
  return { bases, starts, ids, headerLines: new Uint32Array(reads), count: reads, source: workload.name };
}

/** The workload's kept frames, in the upstream batches a pipeline would deliver (BATCH_READS reads each). */
export function workloadFrames(workload: TranslateBenchWorkload): FrameBatch[] {
  const records = workloadBatch(workload);
  const batches: FrameBatch[] = [];
  for (let from = 0; from < records.count; from += BATCH_READS) {
    batches.push(translateChunkBatch(chunkRecordBatch(sliceRecords(records, from, Math.min(records.count, from + BATCH_READS)), 500)));
  }
  return batches;
}

function sliceRecords(batch: RecordBatch, from: number, to: number): RecordBatch {
  const offset = batch.starts[from]!;
  return {
    bases: batch.bases.slice(offset, batch.starts[to]!),
    starts: batch.starts.slice(from, to + 1).map((start) => start - offset),
    ids: batch.ids.slice(from, to),
    headerLines: batch.headerLines.slice(from, to),
    count: to - from,
    source: batch.source,
  };
}
