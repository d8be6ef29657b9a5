import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VirnucproError, fromErrorData, toErrorData } from '../../src/errors.js';
import { parseFasta } from '../../src/fasta/fastaParser.js';
import { FastaStats, type FastaWarning } from '../../src/fasta/fastaStats.js';
import { prng } from '../../bench/support/syntheticFasta.js';
import { fixture, parseAll, piecesOf, plainRecords, referenceParse, rejectionOf, type PlainRecord } from './fastaTestKit.js';

const fixtureText = (name: string): string => readFileSync(fixture(name), 'latin1');
const nonEmpty = (records: readonly PlainRecord[]): PlainRecord[] => records.filter((r) => r.seq !== '');

/** Parses a fixture and returns its records, stats and warnings. */
async function parseFixture(name: string, sizes?: readonly number[]) {
  const stats = new FastaStats();
  const warnings: FastaWarning[] = [];
  const batches = await parseAll(readFileSync(fixture(name)), { source: name, stats, onWarning: (w) => warnings.push(w) }, sizes);
  return { records: plainRecords(batches), stats, warnings, batches };
}

async function parseError(input: string | Uint8Array, sizes?: readonly number[]): Promise<VirnucproError> {
  const error = await rejectionOf(parseAll(input, { source: 'in.fa' }, sizes));
  expect(error).toBeInstanceOf(VirnucproError);
  return error as VirnucproError;
}

describe('parseFasta: ids and sequences (Biopython semantics, spec section 1)', () => {
  it.each([
    [
      'crlf.fa',
      [
        ['r1', 'ACGTGG'],
        ['r2', 'TTAA'],
      ],
    ],
    ['no-final-newline.fa', [['r1', 'ACGTGG']]],
    [
      'blank-lines.fa',
      [
        ['r1', 'ACGT'],
        ['r2', 'A'],
      ],
    ],
    ['whitespace-in-lines.fa', [['r1', 'ACGTACGG']]],
    [
      'empty-id.fa',
      [
        ['', 'ACGT'],
        ['', 'GG'],
        ['lead', 'TT'],
      ],
    ],
  ] as const)('%s', async (name, expected) => {
    for (const sizes of [undefined, [1], [2, 3]]) {
      const { records } = await parseFixture(name, sizes);
      expect(records.map((r) => [r.id, r.seq])).toEqual(expected);
      expect(records).toEqual(nonEmpty(referenceParse(fixtureText(name))));
    }
  });

  it('keeps case and IUPAC codes, and accepts gaps and RNA without a warning', async () => {
    const { records, warnings, stats } = await parseFixture('dna-ambiguous.fa');
    expect(records.map((r) => r.id)).toEqual(['amb1', 'amb2', 'rna1']);
    expect(records[1]!.seq).toBe(records[0]!.seq.toLowerCase());
    expect(records[2]!.seq).toBe('ACGUUGCAN');
    expect(warnings).toEqual([]);
    expect(stats.nonIupacLetters).toBe(0);
  });

  it('reads an empty input as no records', async () => {
    const { batches, stats } = await parseFixture('empty.fa');
    expect(batches).toEqual([]);
    expect(stats.records).toBe(0);
  });

  it('counts lines, records and bases', async () => {
    const { stats } = await parseFixture('no-final-newline.fa');
    expect(stats).toMatchObject({ lines: 3, records: 1, bases: 6, bytes: 11 });
    const crlf = await parseFixture('crlf.fa');
    expect(crlf.stats).toMatchObject({ lines: 5, records: 2, bases: 10 });
  });

  it('skips empty records, counts them and warns once with the first position', async () => {
    const { records, stats, warnings } = await parseFixture('empty-record.fa');
    expect(records.map((r) => r.id)).toEqual(['r1', 'r2']);
    expect(stats.emptySkipped).toBe(2);
    expect(stats.emptyExamples).toEqual([
      { id: 'empty1', line: 3 },
      { id: 'empty2', line: 6 },
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      kind: 'empty-records',
      count: 2,
      position: { file: 'empty-record.fa', line: 3, recordId: 'empty1' },
    });
    expect(warnings[0]!.message).toContain("'empty2' (line 6)");
  });

  it("keeps an empty id as '' (Biopython) and warns once", async () => {
    const { stats, warnings } = await parseFixture('empty-id.fa');
    expect(stats.emptyIds).toBe(2);
    expect(warnings.map((w) => [w.kind, w.count, w.position.line])).toEqual([['empty-ids', 2, 1]]);
  });

  it('counts characters outside the IUPAC codes and reports them once, as a warning', async () => {
    const { records, stats, warnings } = await parseFixture('non-iupac.fa');
    expect(records.map((r) => r.seq)).toEqual(['ACGTACGT', 'ACXGT*', 'GGGG', 'A1C']);
    expect(stats).toMatchObject({ nonIupacLetters: 3, nonIupacRecords: 2, firstNonIupac: { id: 'x1', line: 3, letter: 'X', offset: 2 } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ kind: 'non-iupac', count: 3, position: { file: 'non-iupac.fa', line: 3, recordId: 'x1' } });
  });

  it('reads a 1 MB header line, as a description or as the id itself, across chunk boundaries', async () => {
    const description = 'd'.repeat(1 << 20);
    const longId = 'i'.repeat(1 << 20);
    const text = `>short ${description}\nACGT\n>${longId}\nGG\n>${longId} ${description}\nT\n`;
    for (const sizes of [undefined, [65_537], [4_093, 1]]) {
      const records = plainRecords(await parseAll(text, {}, sizes));
      expect(records.map((r) => [r.id.length, r.seq])).toEqual([
        [5, 'ACGT'],
        [1 << 20, 'GG'],
        [1 << 20, 'T'],
      ]);
      expect(records[1]!.id).toBe(longId);
    }
  });

  it('reads nothing before iteration starts', async () => {
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      pulled += 1;
      yield Buffer.from('>a\nAC\n');
    }
    const batches = parseFasta(source());
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(pulled).toBe(0);
    for await (const batch of batches) expect(batch.ids).toEqual(['a']);
    expect(pulled).toBe(1);
  });

  it('stops with the signal reason before the next chunk', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) yield Buffer.from('>a\nACGT\n');
      } finally {
        closed = true;
      }
    }
    let seen = 0;
    const run = (async () => {
      for await (const batch of parseFasta(source(), { signal: controller.signal, batchRecords: 1 })) {
        seen += batch.count;
        if (seen === 3) controller.abort(reason);
      }
    })();
    await expect(run).rejects.toBe(reason);
    expect(closed).toBe(true);
  });

  it('validates its options at once, naming the option', () => {
    const chunks = piecesOf(new Uint8Array(0));
    expect(() => parseFasta(chunks, { batchBases: 0 })).toThrow(/options\.batchBases/);
    expect(() => parseFasta(chunks, { batchRecords: 1.5 })).toThrow(/options\.batchRecords/);
    expect(() => parseFasta(chunks, { source: '' })).toThrow(/options\.source/);
    expect(() => parseFasta(chunks, { stats: {} as FastaStats })).toThrow(/options\.stats/);
  });
});

describe('parseFasta: batches', () => {
  const reads = Array.from({ length: 10 }, (_, i) => `>r${i}\n${'ACGT'.repeat(i + 1)}\n`).join('');

  it('cuts after batchRecords records', async () => {
    const batches = await parseAll(reads, { batchRecords: 3 });
    expect(batches.map((b) => b.count)).toEqual([3, 3, 3, 1]);
    expect(plainRecords(batches)).toEqual(referenceParse(reads));
  });

  it('cuts before a record that would overflow batchBases, and gives a larger record a batch of its own', async () => {
    // lengths 4, 8, …, 40 against a 20-byte budget
    const batches = await parseAll(reads, { batchBases: 20 });
    expect(batches.map((b) => b.bases.length)).toEqual([12, 12, 16, 20, 24, 28, 32, 36, 40]);
    expect(batches.map((b) => b.count)).toEqual([2, 1, 1, 1, 1, 1, 1, 1, 1]);
    for (const batch of batches) {
      expect(batch.starts).toHaveLength(batch.count + 1);
      expect(batch.starts[batch.count]).toBe(batch.bases.length);
      expect(batch.headerLines).toHaveLength(batch.count);
      expect(batch.source).toBe('<stream>');
    }
    expect(plainRecords(batches)).toEqual(referenceParse(reads));
  });

  it('gives each batch a buffer of its own that can be transferred (not a slice of the Buffer pool)', async () => {
    for (const options of [{}, { batchRecords: 1 }, { batchBases: 8 }]) {
      const batches = await parseAll(reads, options, [7]);
      const expected = batches.map((b) => Buffer.from(b.bases).toString('latin1'));
      expect(new Set(batches.map((b) => b.bases.buffer)).size).toBe(batches.length);
      const moved = batches.map((b) => structuredClone(b.bases, { transfer: [b.bases.buffer as ArrayBuffer] }));
      expect(batches.map((b) => b.bases.buffer.byteLength)).toEqual(batches.map(() => 0));
      expect(moved.map((bases) => Buffer.from(bases).toString('latin1'))).toEqual(expected);
    }
  });

  it('never pins a buffer more than twice the size of the batch, whatever the batch sizes', async () => {
    const text = Array.from({ length: 3000 }, (_, i) => `>r${i}\n${'ACGT'.repeat(1 + (i % 50))}\n`).join('');
    for (const options of [{}, { batchRecords: 1 }, { batchBases: 100 }, { batchBases: 5000 }, { batchBases: 40_000, batchRecords: 100 }]) {
      for (const batch of await parseAll(text, options, [65_536])) {
        expect(batch.bases.buffer.byteLength, JSON.stringify(options)).toBeLessThanOrEqual(2 * batch.bases.length);
      }
    }
  });

  it('never lets a later batch overwrite an earlier one (batches kept until the end)', async () => {
    const text = Array.from({ length: 3000 }, (_, i) => `>r${i}\n${'ACGT'.repeat(1 + (i % 50))}\n`).join('');
    const batches = await parseAll(text, { batchBases: 1000, batchRecords: 7 }, [333]);
    expect(plainRecords(batches)).toEqual(referenceParse(text));
  });
});

describe('parseFasta: non-ASCII headers', () => {
  it('keeps a Latin-1 or UTF-8 header byte for byte (headers are free text)', async () => {
    const latin1 = plainRecords(await parseAll(readFileSync(fixture('header-latin1.fa'))));
    expect(latin1.map((r) => [r.id, r.seq])).toEqual([['r1', 'ACGT']]);
    for (const sizes of [undefined, [1], [3]]) {
      const utf8 = plainRecords(
        await parseAll(Buffer.from('>virus_\u00e9 Escherichia coli \u00df\nACGT\n>r2\u00b5\nGG\n', 'utf8'), {}, sizes),
      );
      // Ids are decoded as Latin-1 so that writing them back as Latin-1 restores the input bytes.
      expect(utf8.map((r) => Buffer.from(r.id, 'latin1').toString('utf8'))).toEqual(['virus_\u00e9', 'r2\u00b5']);
      expect(utf8.map((r) => r.seq)).toEqual(['ACGT', 'GG']);
    }
  });

  it('still refuses a control byte in a header', async () => {
    const error = await parseError(Buffer.from('>r1 desc\u00e9\u0001x\nACGT\n', 'latin1'));
    expect(error.code).toBe('FASTA_BINARY');
    expect(error.position).toMatchObject({ line: 1 });
  });

  it('refuses a control byte in the id or description of an all-ASCII input, on its line', async () => {
    // Regression: the chunk-wide ASCII check let these through, and ^A cut the id short.
    for (const header of ['>a\u0001b desc', '>ab desc\u000bmore', '>ab\u001fc', '>ab\u007f']) {
      const error = await parseError(Buffer.from(`>r0\nACGT\n${header}\nACGT\n`, 'latin1'));
      expect(error.code, JSON.stringify(header)).toBe('FASTA_BINARY');
      expect(error.position).toMatchObject({ line: 3 });
    }
  });
});

describe('parseFasta: bad input', () => {
  it.each([
    ['no-header.fa', 'FASTA_NO_HEADER', { line: 1 }, "expected '>' at the start of a record but found 'A'"],
    ['binary-nul.fa', 'FASTA_BINARY', { line: 4, recordId: 'r2' }, 'found byte 0x00 in a sequence line'],
    ['binary-high-byte-sequence.fa', 'FASTA_BINARY', { line: 4, recordId: 'r2' }, 'found byte 0xe9 in a sequence line'],
    ['control-byte.fa', 'FASTA_BINARY', { line: 3, recordId: 'r2' }, 'found byte 0x07 in the sequence'],
    ['cr-only.fa', 'FASTA_LINE_ENDINGS', { line: 1 }, "lone '\\r'"],
    ['protein.fa', 'FASTA_PROTEIN', { line: 1, recordId: 'sp|P01308|INS_HUMAN' }, 'expected nucleotide sequences'],
  ])('%s → %s', async (name, code, position, message) => {
    for (const sizes of [undefined, [1], [3]]) {
      const error = await parseError(readFileSync(fixture(name)), sizes);
      expect(error.code).toBe(code);
      expect(error.position).toEqual({ file: 'in.fa', ...position });
      expect(error.message).toContain(message);
      expect(error.message.startsWith(`in.fa:${position.line}: `)).toBe(true);
    }
  });

  it('gives hints that say what to do', async () => {
    expect((await parseError(readFileSync(fixture('binary-nul.fa')))).hint).toMatch(/compressed or binary/);
    expect((await parseError(readFileSync(fixture('protein.fa')))).hint).toMatch(/nucleotide FASTA/);
    expect((await parseError(readFileSync(fixture('cr-only.fa')))).hint).toMatch(/tr '\\r' '\\n'/);
  });

  it('names the line of a binary byte deep in a large input, whatever the chunking', async () => {
    const body = Array.from({ length: 5000 }, (_, i) => `>r${i}\nACGTACGTAC\nGGT\n`).join('');
    const bad = Buffer.concat([Buffer.from(body), Buffer.from('>bad\nAC\x00\n')]);
    for (const sizes of [undefined, [65_536], [1000, 7]]) {
      const error = await parseError(bad, sizes);
      expect(error).toMatchObject({ code: 'FASTA_BINARY', position: { line: 15_002, recordId: 'bad' } });
    }
  });

  it('refuses protein before emitting any batch, even with one record per batch', async () => {
    const emitted: number[] = [];
    const run = (async () => {
      for await (const batch of parseFasta(piecesOf(readFileSync(fixture('protein.fa'))), { batchRecords: 1 })) emitted.push(batch.count);
    })();
    await expect(run).rejects.toMatchObject({ code: 'FASTA_PROTEIN' });
    expect(emitted).toEqual([]);
  });

  it('keeps code, position and hint through the worker error protocol', async () => {
    const error = await parseError(readFileSync(fixture('binary-nul.fa')));
    const rebuilt = fromErrorData(structuredClone(toErrorData(error)));
    expect(rebuilt).toMatchObject({ code: error.code, position: error.position, hint: error.hint, message: error.message });
  });
});

/** Random FASTA text that the reference reads like the parser: DNA-ish records, odd whitespace, CRLF. */
function randomFasta(random: () => number): string {
  const pick = <T>(items: ArrayLike<T>): T => items[Math.floor(random() * items.length)]!;
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const alphabets = ['ACGT', 'ACGTacgtNn', 'ACGTRYKMSWBDHVN', 'acgtnnnnnn', 'ACGT-.X*0'];
  const idChars = 'ABCXYZabcxyz0129_.|:-';
  const eol = (): string => (random() < 0.3 ? '\r\n' : '\n');
  let text = random() < 0.2 ? eol() : '';
  const records = int(0, 12);
  for (let r = 0; r < records; r++) {
    let id = '';
    if (random() > 0.1) for (let i = int(1, 12); i > 0; i--) id += pick(idChars);
    const lead = random() < 0.15 ? pick([' ', '\t', '  ']) : '';
    const description = random() < 0.5 ? ` ${pick(['desc', 'a b c', 'x=1\ty=2'])}` : '';
    text += `>${lead}${id}${description}${random() < 0.1 ? ' \t' : ''}${eol()}`;
    const alphabet = pick(alphabets);
    const length = pick([0, int(1, 20), int(100, 3000)]);
    let seq = '';
    for (let i = 0; i < length; i++) seq += pick(alphabet);
    const width = random() < 0.3 ? Math.max(1, length) : int(1, 80);
    for (let at = 0; at < length; at += width) {
      let line = seq.slice(at, at + width);
      if (random() < 0.05) line = `${line.slice(0, 3)} ${line.slice(3)}`;
      if (random() < 0.05) line += ' ';
      text += line + eol();
      if (random() < 0.05) text += eol();
    }
  }
  return random() < 0.2 ? text.replace(/\r?\n$/, '') : text;
}

const NON_IUPAC = /[^ACGTURYSWKMBDHVNacgturyswkmbdhvn.\-]/g;

describe('parseFasta: random round trip against a string-based reference', () => {
  it('agrees on ids, sequences, header lines and every count, for any chunking and batch size', async () => {
    const random = prng(20261129);
    for (let round = 0; round < 150; round++) {
      const text = randomFasta(random);
      const sizes =
        text.length < 6000 && round % 3 === 0
          ? [1]
          : [[2, 3], [Math.floor(random() * 50) + 1, 1, 17], [4096], [text.length + 1]][round % 4]!;
      const batchBases = [1, 7, 64, 1000, undefined][round % 5];
      const batchRecords = [1, 2, 5, undefined][round % 4];
      const stats = new FastaStats();
      const batches = await parseAll(
        text,
        { stats, ...(batchBases ? { batchBases } : {}), ...(batchRecords ? { batchRecords } : {}) },
        sizes,
      );
      const all = referenceParse(text);
      const kept = nonEmpty(all);
      const context = `round ${round}, sizes ${sizes.join(',')}`;
      expect(plainRecords(batches), context).toEqual(kept);
      const odd = kept.map((r) => r.seq.match(NON_IUPAC)?.length ?? 0);
      expect(stats, context).toMatchObject({
        records: kept.length,
        bases: kept.reduce((sum, r) => sum + r.seq.length, 0),
        emptySkipped: all.length - kept.length,
        emptyIds: kept.filter((r) => r.id === '').length,
        nonIupacLetters: odd.reduce((a, b) => a + b, 0),
        nonIupacRecords: odd.filter((n) => n > 0).length,
        lines: text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0),
        bytes: text.length,
      });
      for (const batch of batches) {
        if (batchRecords) expect(batch.count).toBeLessThanOrEqual(batchRecords);
        if (batchBases && batch.count > 1) expect(batch.bases.length).toBeLessThanOrEqual(batchBases);
      }
    }
  });
});
