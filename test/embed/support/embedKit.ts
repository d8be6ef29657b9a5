import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Observable } from 'rxjs';
import { Credit, type Leased } from '../../../src/flow/credit.js';
import { creditedSource } from '../../../src/flow/creditedSource.js';
import type { FrameBatch } from '../../../src/sequence/frameBatch.js';
import { REPO_ROOT } from '../../support/shared.js';

/** The real-architecture fixture models and their one-at-a-time PyTorch embeddings (test/fixtures/models/README.md). */
export const MODELS = path.join(REPO_ROOT, 'test', 'fixtures', 'models');

export interface Reference {
  readonly hiddenSize: number;
  readonly rows: readonly { readonly sequence: string; readonly ids: readonly number[]; readonly offset: number }[];
  /** Row k's embedding. */
  embedding(k: number): Float32Array;
}

export async function readReference(kind: 'dna' | 'protein'): Promise<Reference> {
  const index = JSON.parse(await readFile(path.join(MODELS, 'reference', `${kind}_embeddings.json`), 'utf8')) as Omit<
    Reference,
    'embedding'
  > & { file: string };
  const bytes = await readFile(path.join(MODELS, 'reference', index.file));
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return { ...index, embedding: (k) => values.subarray(index.rows[k]!.offset, index.rows[k]!.offset + index.hiddenSize) };
}

/**
 * A FrameBatch whose kept frames carry `sequences` in one column (nucleotides or proteins; the other column
 * holds 'M' / 'ATG' placeholders). Frame i is chunk i, frame F1 of record `${prefix}${i}`.
 */
export function frameBatchOf(sequences: readonly string[], column: 'nucleotides' | 'proteins', prefix = 'r'): FrameBatch {
  const pack = (items: readonly string[]): { bytes: Uint8Array; starts: Uint32Array } => {
    const starts = new Uint32Array(items.length + 1);
    items.forEach((item, i) => (starts[i + 1] = starts[i]! + item.length));
    const bytes = new Uint8Array(starts[items.length]!);
    items.forEach((item, i) => bytes.set(Buffer.from(item, 'latin1'), starts[i]));
    return { bytes, starts };
  };
  const count = sequences.length;
  const nucleotides = pack(column === 'nucleotides' ? sequences : sequences.map(() => 'ATG'));
  const proteins = pack(column === 'proteins' ? sequences : sequences.map(() => 'M'));
  return {
    count,
    chunk: Uint32Array.from({ length: count }, (_, i) => i),
    frame: new Uint8Array(count),
    nucleotides: nucleotides.bytes,
    nucleotideStarts: nucleotides.starts,
    proteins: proteins.bytes,
    proteinStarts: proteins.starts,
    chunks: {
      ids: sequences.map((_, i) => `${prefix}${i}`),
      recordIndex: Uint32Array.from({ length: count }, (_, i) => i),
      chunkNumber: new Uint32Array(count).fill(1),
      chunkLength: 500,
      source: 'frames.fa',
    },
  };
}

/** Splits `items` into consecutive groups of the given sizes (cycled; zeros give empty groups). */
export function splitBySizes<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const groups: T[][] = [];
  for (let at = 0, k = 0; at < items.length; k++) {
    const size = sizes[k % sizes.length]!;
    groups.push(items.slice(at, at + size));
    at += size;
  }
  return groups;
}

/** A credited source of the given batches (weight: 1 unit per row + 1), as readFasta → … would deliver them. */
export function leasedSource<T extends { count: number }>(
  batches: readonly T[],
  credit: Credit,
): { source: Observable<T & Leased>; read: () => number } {
  let read = 0;
  async function* open(): AsyncGenerator<T> {
    for (const batch of batches) {
      read += 1;
      yield batch;
    }
  }
  const source = creditedSource(open, {
    credit,
    weight: (batch: T) => batch.count + 1,
    attach: (batch, lease): T & Leased => ({ ...batch, lease }),
  });
  return { source, read: () => read };
}

/** Largest |a[i] − b[i]|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

export { Credit };
