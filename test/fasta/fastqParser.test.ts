import { describe, expect, it } from 'vitest';
import { VirnucproError } from '../../src/errors.js';
import { FastaStats } from '../../src/fasta/fastaStats.js';
import type { RecordBatch } from '../../src/fasta/recordBatch.js';
import { prng } from '../../bench/support/syntheticFasta.js';
import { parseAll, plainRecords, rejectionOf } from './fastaTestKit.js';

/** A read: its header line (without '>' or '@'), sequence and qualities. */
interface Read {
  readonly header: string;
  readonly seq: string;
  readonly qual: string;
}

/** Random reads with descriptions; qualities span the whole Phred+33 range, so quality lines start with '@', '+' or '>' too. */
function randomReads(count: number, seed: number): Read[] {
  const random = prng(seed);
  const letter = (alphabet: string): string => alphabet[Math.floor(random() * alphabet.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const length = 1 + Math.floor(random() * (random() < 0.1 ? 4000 : 400));
    const seq = Array.from({ length }, () => letter('ACGTacgtN')).join('');
    const qual = Array.from({ length }, () => String.fromCharCode(33 + Math.floor(random() * 94))).join('');
    return { header: `r${i} length=${length}`, seq, qual };
  });
}

const fasta = (reads: readonly Read[]): string => reads.map((r) => `>${r.header}\n${r.seq}\n`).join('');
const fastq = (reads: readonly Read[], eol = '\n', plus = (_r: Read) => ''): string =>
  reads.map((r) => `@${r.header}${eol}${r.seq}${eol}+${plus(r)}${eol}${r.qual}${eol}`).join('');

/** What makes two parses the same for the pipeline: the batch boundaries, ids and bases. */
const batchContents = (batches: readonly RecordBatch[]) =>
  batches.map((b) => ({ ids: b.ids, starts: [...b.starts], bases: Buffer.from(b.bases).toString('latin1') }));

async function parseError(input: string, sizes?: readonly number[]): Promise<VirnucproError> {
  const error = await rejectionOf(parseAll(input, { source: 'in.fq' }, sizes));
  expect(error).toBeInstanceOf(VirnucproError);
  return error as VirnucproError;
}

describe('parseFasta on FASTQ (first text byte @)', () => {
  it('gives the batches of the same reads as FASTA: boundaries (size and sync cuts), ids and bases, however the input is cut', async () => {
    const reads = randomReads(400, 7);
    // Small batches and sync distances, so that both kinds of cut happen many times.
    const options = { batchBases: 8000, batchRecords: 50, syncBytes: 12_000 };
    const expected = batchContents(await parseAll(fasta(reads), options));
    expect(expected.length).toBeGreaterThan(10);
    for (const text of [fastq(reads), fastq(reads, '\r\n'), fastq(reads, '\n', (r) => r.header)]) {
      for (const sizes of [undefined, [1], [7, 13], [4096]]) {
        const batches = await parseAll(text, options, sizes);
        expect(batchContents(batches)).toEqual(expected);
        expect(plainRecords(batches).map((r) => r.line)).toEqual(reads.map((_, i) => 4 * i + 1));
      }
    }
  });

  it('skips blank lines between records and before the first, reads a last line without newline, skips an empty record with its warning', async () => {
    const stats = new FastaStats();
    const warnings: string[] = [];
    const text = '\n\n@a first\nACGT\n+\nIIII\n\n@empty\n\n+\n\n@b\nGG\n+b\n#@';
    const batches = await parseAll(text, { source: 'x.fq', stats, onWarning: (w) => warnings.push(w.message) }, [3]);
    expect(plainRecords(batches)).toEqual([
      { id: 'a', seq: 'ACGT', line: 3 },
      { id: 'b', seq: 'GG', line: 12 },
    ]);
    expect([stats.records, stats.emptySkipped, stats.lines]).toEqual([2, 1, 15]);
    expect(warnings).toEqual([expect.stringMatching(/^x\.fq: skipped 1 empty record\(s\) .*'empty' \(line 8\)/)]);
  });

  it.each([
    ['a missing + line', '@r1\nACGT\nIIII\n', 3, 'r1', /expected '\+' after the sequence line \(FASTQ\) but found 'I'/],
    [
      'a quality line shorter than the sequence',
      '@r1\nACGT\n+\nIII\n@r2\nA\n+\nI\n',
      4,
      'r1',
      /expected 4 quality characters, one per base, but the quality line holds 3/,
    ],
    ['a quality line longer than the sequence', '@r1\nA\n+\nI\n@r2\nACGT\n+\nIIIII\n', 8, 'r2', /expected 4 quality characters.* holds 5/],
    [
      'wrapped FASTQ (a second sequence line)',
      '@r1\nACGT\nACGT\n+\nIIIIIIII\n',
      3,
      'r1',
      /expected '\+' after the sequence line .* but found 'A'/,
    ],
    [
      'a record not starting with @',
      '@r1\nACGT\n+\nIIII\nr2\nACGT\n',
      5,
      undefined,
      /expected '@' at the start of a record \(FASTQ\) but found 'r'/,
    ],
    [
      'an input ending after the sequence',
      '@r1\nACGT\n+\nIIII\n@r2\nACGT\n',
      7,
      'r2',
      /ends inside a FASTQ record, in the line where its '\+' line belongs: the record is truncated/,
    ],
    ['an input ending inside the sequence', '@r1\nAC', 2, 'r1', /in its sequence line: the record is truncated/],
    [
      'an input ending inside the qualities',
      '@r1\nACGT\n+\nII',
      4,
      'r1',
      /in its quality line \(2 of 4 qualities\): the record is truncated/,
    ],
    ['an input ending after the header', '@r1 desc\n', 2, 'r1', /in its sequence line/],
  ])('%s: FASTQ_FORMAT naming the line and the record', async (_name, input, line, recordId, message) => {
    for (const sizes of [undefined, [1], [5]]) {
      const error = await parseError(input, sizes);
      expect(error.code).toBe('FASTQ_FORMAT');
      expect(error.position).toEqual({ file: 'in.fq', line, ...(recordId !== undefined ? { recordId } : {}) });
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('\n');
      expect(error.hint).toBeTruthy();
    }
  });

  it('refuses binary data (NUL, non-ASCII) in a quality line (FASTA_BINARY), naming line and record', async () => {
    const error = await parseError('@r1\nACGT\n+\nII\u0000I\n');
    expect([error.code, error.position]).toEqual(['FASTA_BINARY', { file: 'in.fq', line: 4, recordId: 'r1' }]);
    expect(error.message).toMatch(/in a quality line/);
  });

  it('still reads FASTA whose first text byte is not @, and names FASTQ in the hint of a FASTA without header', async () => {
    expect(plainRecords(await parseAll('\n>a\nAC\n')).map((r) => r.id)).toEqual(['a']);
    const error = await parseError('ACGT\n');
    expect([error.code, error.hint]).toEqual(['FASTA_NO_HEADER', expect.stringContaining("FASTQ with '@read1'")]);
  });
});
