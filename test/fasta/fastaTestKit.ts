import path from 'node:path';
import { parseFasta, type FastaParseOptions } from '../../src/fasta/fastaParser.js';
import type { RecordBatch } from '../../src/fasta/recordBatch.js';
import { REPO_ROOT } from '../support/shared.js';

/** A record as plain strings, with its header's 1-based line. */
export interface PlainRecord {
  readonly id: string;
  readonly seq: string;
  readonly line: number;
}

/**
 * An independent, string-based reading of FASTA: Biopython 1.80's SimpleFastaParser plus FastaIterator's
 * `title.split(None, 1)[0]`, line by line, plus our one documented difference: tabs inside sequence lines are
 * removed like spaces. Empty records are returned (seq '') although the parser skips them; errors (binary
 * bytes, text before the first header) are not modelled: inputs given to it must be valid.
 */
export function referenceParse(text: string): PlainRecord[] {
  const records: PlainRecord[] = [];
  let title: string | undefined;
  let titleLine = 0;
  let parts: string[] = [];
  const close = (): void => {
    if (title === undefined) return;
    const seq = parts.join('').replace(/[ \r\t]/g, '');
    const id = title.trim().split(/[ \t\r]+/)[0] ?? '';
    records.push({ id, seq, line: titleLine });
  };
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, index) => {
    if (line.startsWith('>')) {
      close();
      title = line.slice(1).replace(/[ \t\r]+$/, '');
      titleLine = index + 1;
      parts = [];
    } else if (title !== undefined) {
      parts.push(line.replace(/[ \t\r]+$/, ''));
    }
  });
  close();
  return records;
}

/** The records of parsed batches as plain strings, in order. */
export function plainRecords(batches: readonly RecordBatch[]): PlainRecord[] {
  const records: PlainRecord[] = [];
  for (const batch of batches) {
    for (let i = 0; i < batch.count; i++) {
      const seq = Buffer.from(batch.bases.subarray(batch.starts[i]!, batch.starts[i + 1]!)).toString('latin1');
      records.push({ id: batch.ids[i]!, seq, line: batch.headerLines[i]! });
    }
  }
  return records;
}

/** Yields `bytes` in pieces of the given sizes (cycled), each a fresh copy as a stream would give. */
export async function* piecesOf(bytes: Uint8Array, sizes: readonly number[] = [bytes.length || 1]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let k = 0; at < bytes.length; k++) {
    const size = Math.max(1, sizes[k % sizes.length]!);
    yield Uint8Array.from(bytes.subarray(at, at + size));
    at += size;
  }
}

/** Parses `input` (text as latin1, or bytes) completely and returns the batches. */
export async function parseAll(
  input: string | Uint8Array,
  options: FastaParseOptions = {},
  sizes?: readonly number[],
): Promise<RecordBatch[]> {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const batches: RecordBatch[] = [];
  for await (const batch of parseFasta(piecesOf(bytes, sizes), options)) batches.push(batch);
  return batches;
}

/** Path of a file under test/fixtures/fasta. */
export function fixture(name: string): string {
  return path.join(REPO_ROOT, 'test', 'fixtures', 'fasta', name);
}

/** The rejection of `promise`, which must reject. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
