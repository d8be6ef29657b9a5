import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** What a benchmark input looks like. Deterministic for a given seed. */
export interface SyntheticFastaOptions {
  readonly reads: number;
  /** Read length in bases. */
  readonly length: number;
  /** Bases per line; 0 writes each sequence on one line. */
  readonly lineWidth?: number;
  readonly seed?: number;
  /**
   * Share of reads drawn from sense codons only (stop-free in their first frame, as in a gene), the rest
   * uniform random bases. Default 0: all random. Real short reads keep about 0.8 frames per read (the
   * seed's 1M-read subset: 794 577 ESM-2 frames); 0.5 gives about 1 per 150-bp read.
   */
  readonly codingFraction?: number;
}

/** mulberry32: tiny, fast, good enough for random bases. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = Buffer.from('ACGT');
const STOP_CODONS = new Set(['TAA', 'TAG', 'TGA']);
const SENSE_CODONS = [...'ACGT']
  .flatMap((a) => [...'ACGT'].flatMap((b) => [...'ACGT'].map((c) => a + b + c)))
  .filter((codon) => !STOP_CODONS.has(codon))
  .map((codon) => Buffer.from(codon));
/** Bytes assembled per write: large writes keep the generator from being the bottleneck. */
const WRITE_BLOCK = 1 << 20;

/** Writes random reads `>read<i>` to `out`, honouring the stream's back-pressure. Returns bytes written. */
export async function writeSyntheticFasta(out: Writable, options: SyntheticFastaOptions): Promise<number> {
  const { reads, length, lineWidth = 0, codingFraction = 0 } = options;
  const random = prng(options.seed ?? 1);
  const block = Buffer.allocUnsafe(WRITE_BLOCK + length * 2 + 64);
  let used = 0;
  let total = 0;
  const flush = async (): Promise<void> => {
    total += used;
    if (!out.write(Buffer.from(block.subarray(0, used)))) await once(out, 'drain');
    used = 0;
  };
  for (let i = 0; i < reads; i++) {
    used += block.write(`>read${i}\n`, used, 'latin1');
    // The codon draw only happens for coding reads, so codingFraction 0 gives the same bytes as before.
    const coding = codingFraction > 0 && random() < codingFraction;
    let codon: Buffer = SENSE_CODONS[0]!;
    for (let b = 0; b < length; b++) {
      if (coding && b % 3 === 0) codon = SENSE_CODONS[(random() * SENSE_CODONS.length) | 0]!;
      block[used++] = coding ? codon[b % 3]! : ALPHABET[(random() * 4) | 0]!;
      if (lineWidth > 0 && (b + 1) % lineWidth === 0 && b + 1 < length) block[used++] = 10;
    }
    block[used++] = 10;
    if (used >= WRITE_BLOCK) await flush();
  }
  await flush();
  return total;
}

/** Writes a synthetic FASTA file and resolves once it is closed. */
export async function writeSyntheticFastaFile(path: string, options: SyntheticFastaOptions): Promise<number> {
  const out = createWriteStream(path);
  const bytes = await writeSyntheticFasta(out, options);
  out.end();
  await once(out, 'close');
  return bytes;
}
