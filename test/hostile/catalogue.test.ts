/**
 * The hostile-input catalogue (issue 6): the malformed, surprising and broken inputs we know of, each run
 * through the built CLI the way a user meets it. docs/hostile-inputs.md is the same catalogue for users.
 *
 * Every case asserts the exit code and the message (naming the file, and the line or record where there is
 * one), and that nothing crashes (no "internal error", no stack trace). When the run goes on, it also asserts
 * that no read is lost or doubled: the `chunk` output must hold exactly the chunks that an independent
 * implementation of the original's windows (spec section 2, `windows` below) cuts from the reads the test
 * wrote, each once, in order. `predict` runs only where the model stage matters.

 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../bench/support/syntheticFasta.js';
import { EXIT, type ExitCode } from '../../src/errors.js';
import { CLI, runCli, type CliResult } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

const DEMO = path.join(REPO_ROOT, 'models/demo');
/** The default chunk length of `chunk` and `translate`, and the demo bundle's. */
const CHUNK_LENGTH = 500;
const RESULTS = 'prediction_results.txt';
const HIGHEST = 'prediction_results_highestscore.csv';
const FRAMES = ['F1', 'F2', 'F3', 'R1', 'R2', 'R3'];

/** A read as the test wrote it: id and sequence ('' for a header-only record). */
type Read = readonly [id: string, sequence: string];

const random = prng(6);
function bases(length: number, alphabet: string): string {
  let sequence = '';
  for (let i = 0; i < length; i++) sequence += alphabet[Math.floor(random() * alphabet.length)];
  return sequence;
}
/** G/C only: no stop codon in any frame, so every frame of every chunk is kept. */
const gc = (length: number): string => bases(length, 'GC');

/** 1 to 4 chunks each, with lengths around the 500-bp edges; the G/C reads give translate something to print. */
const READS: readonly Read[] = [120, 499, 500, 501, 777, 1234, 1700, 333].map((length, i) => [
  `r${i}`,
  bases(length, i % 2 ? 'ACGT' : 'GC'),
]);

let dir: string;
const plain: { chunk?: Buffer; translate?: Buffer } = {};
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-hostile-'));
  await writeFile(path.join(dir, 'plain.fa'), fasta(READS));
  for (const command of ['chunk', 'translate'] as const) {
    const result = await runCli([command, '-q', path.join(dir, 'plain.fa')]);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout.length, `${command} has output to compare`).toBeGreaterThan(0);
    plain[command] = result.stdout;
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------------------
// 1. Reading FASTA: `virnucpro chunk FILE`
// ---------------------------------------------------------------------------------------------------------

interface InputCase {
  /** The hostile input (the test's name). */
  readonly input: string;
  /** Its file name in the temporary directory (the extension matters only where the case says so). */
  readonly file: string;
  /** Its bytes (a string is written as Latin-1), or a path that does not exist, or a directory. */
  readonly content: string | Buffer | 'absent' | 'directory';
  readonly exit: ExitCode;
  /** The message: for a refusal the error, naming the file and line or record; for a warning the warning. */
  readonly stderr: RegExp;
  /** When the run goes on: the non-empty reads that must come out, each once, in order. */
  readonly reads?: readonly Read[];
  /** Commands whose stdout must be byte-identical to that for READS written as plain LF FASTA. */
  readonly sameAsPlain?: readonly ('chunk' | 'translate')[];
}

const PLAIN_GZIP = gzipSync(fasta(READS));
const CONTROL_FAR = `>r1\n${`${'ACGT'.repeat(15)}\n`.repeat(4000)}>r2 a\x01b\nACGT\n`; // r2's header is line 4002
const LONG_ID = 'i'.repeat(1 << 20);
const LONG_HEADER_READ = gc(700);

const INPUT_CASES: readonly InputCase[] = [
  {
    input: 'well-formed baseline (plain LF FASTA)',
    file: 'baseline.fa',
    content: fasta(READS),
    exit: EXIT.ok,
    stderr: /chunk: 8 records/,
    reads: READS,
  },
  { input: 'empty file (0 bytes)', file: 'empty.fa', content: '', exit: EXIT.ok, stderr: /chunk: 0 records/, reads: [] },
  { input: "a file of only '\\n'", file: 'newline.fa', content: '\n', exit: EXIT.ok, stderr: /chunk: 0 records/, reads: [] },
  {
    input: 'only blank lines (CRLF, spaces, tabs)',
    file: 'blank.fa',
    content: '\r\n  \n\t\n',
    exit: EXIT.ok,
    stderr: /chunk: 0 records/,
    reads: [],
  },
  {
    input: 'header-only records, nothing else',
    file: 'headers-only.fa',
    content: '>a\n>b some description\n',
    exit: EXIT.ok,
    stderr:
      /\[WARN\] \S*headers-only\.fa: skipped 2 empty record\(s\) \(a header with no sequence; the original VirNucPro crashes on them\): 'a' \(line 1\), 'b' \(line 2\)/,
    reads: [],
  },
  {
    input: 'header-only records among good ones (skipped, named, counted)',
    file: 'some-empty.fa',
    content: '>e1 no sequence\n>g1\nGCGGCC\n>e2\n\n>g2\nGGCCGCGC\n>e3',
    exit: EXIT.ok,
    stderr: /some-empty\.fa: skipped 3 empty record\(s\) .*'e1' \(line 1\), 'e2' \(line 4\), 'e3' \(line 8\)[\s\S]*chunk: 2 records/,
    reads: [
      ['g1', 'GCGGCC'],
      ['g2', 'GGCCGCGC'],
    ],
  },
  {
    input: 'sequence data before the first header',
    file: 'no-header.fa',
    content: 'ACGT\n>r1\nACGT\n',
    exit: EXIT.input,
    stderr: /no-header\.fa:1: expected '>' at the start of a record but found 'A'/,
  },
  {
    input: 'blank lines, then sequence before the first header',
    file: 'late-text.fa',
    content: '\n\nacgt\n>r1\nACGT\n',
    exit: EXIT.input,
    stderr: /late-text\.fa:3: expected '>' .*found 'a'/,
  },
  {
    input: 'FASTQ (qualities starting with @, + and >; CRLF), read as the same reads in FASTA',
    file: 'reads.fq',
    content: READS.map(([id, seq]) => `@${id} d\r\n${seq}\r\n+\r\n${'@+>I'.repeat(seq.length).slice(0, seq.length)}\r\n`).join(''),
    exit: EXIT.ok,
    stderr: /chunk: 8 records/,
    reads: READS,
    sameAsPlain: ['chunk', 'translate'],
  },
  {
    input: 'FASTQ without its + line',
    file: 'no-plus.fq',
    content: '@r1\nACGT\nIIII\n',
    exit: EXIT.input,
    stderr: /no-plus\.fq:3: record 'r1': expected '\+' after the sequence line \(FASTQ\)/,
  },
  {
    input: 'FASTQ with fewer qualities than bases',
    file: 'short.fq',
    content: '@r1\nACGT\n+\nIII\n',
    exit: EXIT.input,
    stderr: /short\.fq:4: record 'r1': expected 4 quality characters, one per base, but the quality line holds 3/,
  },
  {
    input: 'FASTQ cut short (truncated download)',
    file: 'cut.fq',
    content: '@r1\nACGT\n+\nIIII\n@r2\nAC',
    exit: EXIT.input,
    stderr: /cut\.fq:6: record 'r2': the input ends inside a FASTQ record, in its sequence line/,
  },
  {
    input: 'CRLF line endings',
    file: 'crlf.fa',
    content: fasta(READS, '\r\n'),
    exit: EXIT.ok,
    stderr: /chunk: 8 records/,
    reads: READS,
    sameAsPlain: ['chunk', 'translate'],
  },
  {
    input: "lone '\\r' line endings (classic Mac)",
    file: 'cr.fa',
    content: fasta(READS, '\r'),
    exit: EXIT.input,
    stderr: /cr\.fa:1: expected '\\n' or '\\r\\n' line endings but the first line holds a lone '\\r'/,
  },
  {
    input: 'a 1-MiB header line (short id, 1-MiB description)',
    file: 'long-header.fa',
    content: `>long ${'d'.repeat(1 << 20)}\n${LONG_HEADER_READ}\n${fasta(READS.slice(0, 2))}`,
    exit: EXIT.ok,
    stderr: /chunk: 3 records/,
    reads: [['long', LONG_HEADER_READ], ...READS.slice(0, 2)],
  },
  {
    input: 'a 1-MiB read id',
    file: 'long-id.fa',
    content: `>${LONG_ID}\nGCGC\n`,
    exit: EXIT.ok,
    stderr: /chunk: 1 records/,
    reads: [[LONG_ID, 'GCGC']],
  },
  {
    input: 'duplicate read ids (chunk, translate and predict stdout keep both; see section 5 for predict -o)',
    file: 'duplicates.fa',
    content: fasta([
      ['d', READS[5]![1]],
      ['d', READS[6]![1]],
      ['u', READS[0]![1]],
    ]),
    exit: EXIT.ok,
    stderr: /chunk: 3 records/,
    reads: [
      ['d', READS[5]![1]],
      ['d', READS[6]![1]],
      ['u', READS[0]![1]],
    ],
  },
  {
    input: 'NUL byte in a sequence line',
    file: 'nul-seq.fa',
    content: '>r1\nACGT\n>r2\nAC\0GT\n',
    exit: EXIT.input,
    stderr: /nul-seq\.fa:4: record 'r2': expected text but found byte 0x00 in a sequence line/,
  },
  {
    input: 'NUL byte in a header',
    file: 'nul-header.fa',
    content: '>r1\nACGT\n>r2 a\0b\nACGT\n',
    exit: EXIT.input,
    stderr: /nul-header\.fa:3: expected text but found byte 0x00 in a header line/,
  },
  {
    input: 'control byte ^A in an all-ASCII header',
    file: 'control.fa',
    content: '>r1\nACGT\n>r2 a\x01b\nACGT\n',
    exit: EXIT.input,
    stderr: /control\.fa:3: expected text but found byte 0x01 in a header line/,
  },
  {
    input: '^A in a header 240 kB into the file (a later read buffer)',
    file: 'control-far.fa',
    content: CONTROL_FAR,
    exit: EXIT.input,
    stderr: /control-far\.fa:4002: expected text but found byte 0x01 in a header line/,
  },
  {
    input: 'binary data from the first byte',
    file: 'binary.fa',
    content: '\0\0\0\0\x7fELF',
    exit: EXIT.input,
    stderr: /binary\.fa:1: expected text but found byte 0x00 before the first header/,
  },
  {
    input: 'UTF-8 byte-order mark before the first header',
    file: 'bom.fa',
    content: '\xef\xbb\xbf>r1\nACGT\n',
    exit: EXIT.input,
    stderr: /bom\.fa:1: .*byte.order mark/i,
  },
  {
    input: 'protein FASTA by mistake',
    file: 'protein.fa',
    content:
      '>sp|P01308|INS_HUMAN Insulin\nMALWMRLLPLLALLALWGPDPAAAFVNQHLCGSHLVEALYLVCGERGFFYTPKTRREAEDLQVGQVELGGGPGAGSLQPLALEGSLQKRGIVEQCCTSICSLYQLENYCN\n',
    exit: EXIT.input,
    stderr: /protein\.fa:1: record 'sp\|P01308\|INS_HUMAN': expected nucleotide sequences but only 31% [\s\S]*give it the nucleotide FASTA/,
  },
  {
    input: 'letters outside the IUPAC codes (X, *, digits): warned, counted, kept',
    file: 'non-iupac.fa',
    content: '>x1\nGCXGCG\n>x2\nGC*GC1GC\n>ok\nGCGC\n',
    exit: EXIT.ok,
    stderr:
      /\[WARN\] \S*non-iupac\.fa: 3 character\(s\) outside the IUPAC nucleotide codes in 2 record\(s\), first 'X' at base 3 of record 'x1' .*kept, and translated like N/,
    reads: [
      ['x1', 'GCXGCG'],
      ['x2', 'GC*GC1GC'],
      ['ok', 'GCGC'],
    ],
  },
  {
    input: 'IUPAC ambiguity codes, gaps and RNA U: accepted silently',
    file: 'iupac.fa',
    content: '>a\nGCNRYKMSWBDHVN\n>b\nGC-GC.GC\n>u\nGCUUGC\n',
    exit: EXIT.ok,
    // stderr is not a terminal here: the line carries its UTC time stamp.
    stderr: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[INFO\] chunk: 3 records[^\n]*\n$/,
    reads: [
      ['a', 'GCNRYKMSWBDHVN'],
      ['b', 'GC-GC.GC'],
      ['u', 'GCUUGC'],
    ],
  },
  {
    input: 'lowercase bases (chunk keeps the case; translate upper-cases)',
    file: 'lower.fa',
    content: fasta(READS.map(([id, seq]) => [id, seq.toLowerCase()])),
    exit: EXIT.ok,
    stderr: /chunk: 8 records/,
    reads: READS.map(([id, seq]) => [id, seq.toLowerCase()]),
    sameAsPlain: ['translate'],
  },
  {
    input: 'input path that does not exist',
    file: 'missing.fa',
    content: 'absent',
    exit: EXIT.input,
    stderr: /missing\.fa: expected an input file but found no file at \S*missing\.fa[\s\S]*use '-' to read stdin/,
  },
  {
    input: 'input path is a directory',
    file: 'a-directory',
    content: 'directory',
    exit: EXIT.input,
    stderr: /a-directory: expected a FASTA file but \S*a-directory is a directory/,
  },
  {
    input: 'truncated gzip',
    file: 'truncated.fa.gz',
    content: PLAIN_GZIP.subarray(0, PLAIN_GZIP.length >> 1),
    exit: EXIT.input,
    stderr: /truncated\.fa\.gz: expected more gzip data but the input ended \(truncated download or copy\?\)[\s\S]*gzip -t/,
  },
  {
    input: 'corrupt gzip (CRC mismatch)',
    file: 'corrupt.fa.gz',
    content: flipByte(PLAIN_GZIP, PLAIN_GZIP.length - 8),
    exit: EXIT.input,
    stderr: /corrupt\.fa\.gz: expected valid gzip data but zlib says: incorrect data check/,
  },
  {
    input: 'text appended after the last gzip member',
    file: 'trailing.fa.gz',
    content: Buffer.concat([PLAIN_GZIP, Buffer.from('junk\n')]),
    exit: EXIT.input,
    stderr: /trailing\.fa\.gz: expected valid gzip data[\s\S]*data appended after the last gzip member/,
  },
  {
    input: 'concatenated gzip members (cat a.gz b.gz), cut mid-record',
    file: 'members.fa.gz',
    content: (() => {
      const text = Buffer.from(fasta(READS));
      const cut = text.length >> 1;
      return Buffer.concat([gzipSync(text.subarray(0, cut)), gzipSync(text.subarray(cut))]);
    })(),
    exit: EXIT.ok,
    stderr: /chunk: 8 records/,
    reads: READS,
    sameAsPlain: ['chunk', 'translate'],
  },
  {
    input: 'gzip inside gzip (compressed twice)',
    file: 'twice.fa.gz',
    content: gzipSync(PLAIN_GZIP),
    exit: EXIT.input,
    stderr:
      /twice\.fa\.gz: expected FASTA text inside the gzip data but found gzip again: the file is compressed twice[\s\S]*decompress once more: gunzip -c/,
  },
  {
    input: 'xz inside gzip',
    file: 'xz-inside.fa.gz',
    content: gzipSync(Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.from(bases(300, 'ACGT\r\n'))])),
    exit: EXIT.input,
    stderr: /xz-inside\.fa\.gz: expected FASTA text inside the gzip data but found xz-compressed data[\s\S]*xz -dc/,
  },
  {
    input: "binary data after a '>' with a lone '\\r' in its first line (named binary, not classic Mac line endings)",
    file: 'binary-cr.fa',
    content: Buffer.concat([Buffer.from('>A\rB'), Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 37 + 11) % 256))]),
    exit: EXIT.input,
    stderr: /binary-cr\.fa:1: expected text but found byte 0x[0-9a-f]{2} in the first line: this is binary data, not FASTA/,
  },
  { input: 'an empty gzip member', file: 'nothing.fa.gz', content: gzipSync(''), exit: EXIT.ok, stderr: /chunk: 0 records/, reads: [] },
  {
    input: 'gzip named .fa (detected by its magic bytes)',
    file: 'gzip-inside.fa',
    content: PLAIN_GZIP,
    exit: EXIT.ok,
    stderr: /chunk: 8 records/,
    reads: READS,
    sameAsPlain: ['chunk'],
  },
  {
    input: 'plain text named .gz',
    file: 'plain-inside.fa.gz',
    content: fasta(READS),
    exit: EXIT.ok,
    stderr: /chunk: 8 records/,
    reads: READS,
    sameAsPlain: ['chunk'],
  },
  {
    input: 'xz-compressed (or bzip2, zstd): not read, told how to decompress',
    file: 'reads.fa.xz',
    content: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04, 0xe6, 0xd6, 0xb4, 0x46]),
    exit: EXIT.input,
    stderr: /reads\.fa\.xz: expected FASTA text or gzip but found xz-compressed data[\s\S]*xz -dc/,
  },
];

describe('1. reading FASTA (virnucpro chunk FILE)', () => {
  for (const c of INPUT_CASES) {
    it(c.input, async () => {
      const file = path.join(dir, c.file);
      if (c.content === 'directory') await mkdir(file, { recursive: true });
      else if (c.content !== 'absent') await writeFile(file, typeof c.content === 'string' ? Buffer.from(c.content, 'latin1') : c.content);
      const result = await runCli(['chunk', file]);
      expectOutcome(result, c.exit, c.stderr);
      if (c.reads) expect(chunkRecords(result.stdout)).toEqual(expectedChunks(c.reads));
      for (const command of c.sameAsPlain ?? []) {
        const output = command === 'chunk' ? result.stdout : (await runCli(['translate', '-q', file])).stdout;
        expect(output.equals(plain[command]!), `${command} output differs from the plain file's`).toBe(true);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------------------
// 2. A 100-Mbp record: memory stays bounded
// ---------------------------------------------------------------------------------------------------------

/** What a user's machine must not see for one long read: the reader never holds the whole record. */
const PEAK_RSS_LIMIT_MB = 400;
const PEAK_RSS_PRELOAD = pathToFileURL(path.join(import.meta.dirname, 'support', 'peakRss.js')).href;

describe('2. a 100-Mbp single record', () => {
  it(`on one 100-Mbp line from stdin: every chunk the original cuts, once, in order; peak RSS < ${PEAK_RSS_LIMIT_MB} MB`, async () => {
    const length = 100_000_123;
    const expected = windows(length, CHUNK_LENGTH).map(([start, end]) => end - start);
    const rssFile = path.join(dir, 'peak-rss-kib');
    const child = spawn(process.execPath, [CLI, 'chunk', '-q', '-'], {
      env: { ...process.env, NODE_OPTIONS: `--import=${PEAK_RSS_PRELOAD}`, VIRNUCPRO_TEST_PEAK_RSS_FILE: rssFile },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    Readable.from(oneLongRead('huge', length)).pipe(child.stdin);
    child.stdin.on('error', () => undefined);
    const seen = new ChunkLengthCounter();
    child.stdout.on('data', (chunk: Buffer) => seen.push(chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(EXIT.ok);
    expect(stderr).toBe('');
    expect(seen.ids).toBe(expected.length);
    expect(seen.firstBadId).toBeUndefined();
    expect(seen.lengths).toEqual(expected);
    const peakMB = (Number(await readFile(rssFile, 'utf8')) * 1024) / 1e6;
    expect(peakMB).toBeGreaterThan(10);
    expect(peakMB).toBeLessThan(PEAK_RSS_LIMIT_MB);
  });
});

// ---------------------------------------------------------------------------------------------------------
// 3. The reader of stdout goes away (| head): EPIPE
// ---------------------------------------------------------------------------------------------------------

describe('3. a closed stdout (virnucpro … | head -1)', () => {
  it('translate: exit 0, no error text, one line out', async () => {
    const input = path.join(dir, 'many.fa');
    await writeFile(input, fasta(Array.from({ length: 4000 }, (_, i): Read => [`m${i}`, gc(300)])));
    const result = await pipedToHead(['translate', '-q', input]);
    expect(result).toEqual({ status: '0', lines: 1, stderr: '' });
  });

  it('predict: exit 0, no error text, one line out (the run stops at its next write)', async () => {
    // predict writes once per 1 MiB input batch: three batches, so the second write meets the closed pipe.
    // Random ACGT reads keep almost no frame, one G/C read in 250 a few: the demo models have little to do.
    const input = path.join(dir, 'three-batches.fa');
    await writeFile(input, fasta(Array.from({ length: 6500 }, (_, i): Read => [`b${i}`, i % 250 ? bases(500, 'ACGT') : gc(500)])));
    const result = await pipedToHead(['predict', '-q', '--models', DEMO, input]);
    expect(result).toEqual({ status: '0', lines: 1, stderr: '' });
  });
});

// ---------------------------------------------------------------------------------------------------------
// 4. Output that cannot be written
// ---------------------------------------------------------------------------------------------------------

describe('4. output that cannot be written', () => {
  for (const args of [['chunk'], ['translate'], ['predict', '--models', DEMO]]) {
    (existsSync('/dev/full') ? it : it.skip)(`${args[0]} > /dev/full (disk full): exit 5 naming stdout, no stack trace`, async () => {
      const result = await runWithStdout([...args, path.join(dir, 'plain.fa')], '/dev/full');
      expectOutcome(result, EXIT.output, /stdout.*no space left on device/i);
    });
  }

  it('translate --nucleotide-out into a missing directory: exit 5 naming the file', async () => {
    const result = await runCli([
      'translate',
      '-f',
      'fasta',
      '--nucleotide-out',
      path.join(dir, 'no-such-dir', 'nt.fa'),
      path.join(dir, 'plain.fa'),
    ]);
    expectOutcome(result, EXIT.output, /no-such-dir\/nt\.fa: cannot write: ENOENT/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// 5. predict: skipped records and duplicate ids are accounted for
// ---------------------------------------------------------------------------------------------------------

describe('5. predict on header-only records and duplicate read ids', () => {
  /**
   * d twice (merged by -o as the original's groupby merges it), `ten` with 10 chunks (ten_chunk_10 sorts
   * before ten_chunk_2), and more empty records than the warning names (5): --skipped-out must list all 7.
   */
  const reads: readonly Read[] = [
    ['e1', ''],
    ['d', gc(700)],
    ['g', gc(40)],
    ['e2', ''],
    ['e3', ''],
    ['d', gc(900)],
    ['e4', ''],
    ['e5', ''],
    ['ten', gc(4600)],
    ['e6', ''],
    ['e7', ''],
  ];
  const text = fasta(reads);
  const kept = reads.filter(([, seq]) => seq !== '');
  const empty = reads.filter(([, seq]) => seq === '');
  const chunkIds = expectedChunks(kept).map(([id]) => id);
  const distinct = [...new Set(chunkIds)].sort();
  let input: string;
  beforeAll(async () => {
    input = path.join(dir, 'accounting.fa');
    await writeFile(input, text);
  });

  it('-o DIR --skipped-out FILE: every chunk once in the consensus, every frame in the results, counts add up', async () => {
    const out = path.join(dir, 'accounting');
    const skipped = path.join(dir, 'skipped.tsv');
    const result = await runCli(['predict', '--models', DEMO, '-o', out, '--skipped-out', skipped, input]);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stderr).toMatch(/\[WARN\] \S*accounting\.fa: skipped 7 empty record\(s\) .*'e1' \(line 1\)/);
    expectNoCrash(result);
    const highest = tsvRows(await readFile(path.join(out, HIGHEST), 'latin1'));
    expect(highest[0]).toEqual(['Modified_ID', 'Is_Virus']);
    expect(highest.slice(1).map(([id]) => id)).toEqual(distinct);
    const results = tsvRows(await readFile(path.join(out, RESULTS), 'latin1'));
    expect(
      results
        .slice(1)
        .map(([id]) => id)
        .sort(),
    ).toEqual(chunkIds.flatMap((id) => FRAMES.map((f) => id + f)).sort());
    const summary = JSON.parse(await readFile(path.join(out, 'run_summary.json'), 'utf8')) as { counts: Record<string, unknown> };
    expect(summary.counts).toMatchObject({
      recordsRead: reads.length - empty.length,
      recordsSkipped: { emptyRecord: empty.length },
      chunks: chunkIds.length,
      chunksWithKeptFrames: chunkIds.length,
      framesKept: chunkIds.length * FRAMES.length,
      rowsWritten: { [RESULTS]: results.length - 1, [HIGHEST]: distinct.length },
      duplicateChunkIdsMerged: chunkIds.length - distinct.length,
    });
    const skippedRows = empty.map(([id]) => `${id}\t${headerLine(text, id)}\tempty record (no sequence)\n`);
    expect(await readFile(skipped, 'latin1')).toBe(`record_id\theader_line\treason\n${skippedRows.join('')}`);
  });

  it('stdout: one row per chunk in input order, reads sharing an id not merged', async () => {
    const result = await runCli(['predict', '-q', '--models', DEMO, input]);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const rows = tsvRows(result.stdout.toString('latin1')).slice(1);
    expect(rows.map(([id]) => id)).toEqual(chunkIds);
  });
});

// ---------------------------------------------------------------------------------------------------------
// 6. Broken model bundles (a copy of models/demo, broken), and runs the bundle refuses
// ---------------------------------------------------------------------------------------------------------

interface BundleCase {
  readonly broken: string;
  /** Breaks the copy of the demo bundle in `bundle`; none runs on the demo bundle itself. */
  readonly breakIt?: (bundle: string) => Promise<void>;
  /** Where --models points, relative to the copy (default: the copy). */
  readonly models?: string;
  readonly args?: readonly string[];
  readonly exit: ExitCode;
  readonly stderr: RegExp;
}

const BUNDLE_CASES: readonly BundleCase[] = [
  {
    broken: 'an ONNX file named in the manifest is missing',
    breakIt: (b) => rm(path.join(b, 'esm2.onnx')),
    exit: EXIT.model,
    stderr: /esm2\.onnx: file named in manifest\.json is missing or unreadable/,
  },
  {
    broken: 'a truncated ONNX file (caught by its checksum)',
    breakIt: (b) => truncateFile(path.join(b, 'dnabert_s.onnx'), 1000),
    exit: EXIT.model,
    stderr: /dnabert_s\.onnx: sha256 [0-9a-f]{64} does not match checksums\."dnabert_s\.onnx"[\s\S]*corrupt, truncated or was replaced/,
  },
  {
    broken: 'a truncated ONNX file, --skip-checksums',
    breakIt: (b) => truncateFile(path.join(b, 'dnabert_s.onnx'), 1000),
    args: ['--skip-checksums'],
    exit: EXIT.model,
    stderr: /dnabert_s\.onnx: not a readable ONNX model \(.*truncated\?\)/,
  },
  {
    broken: 'a garbage ONNX file, --skip-checksums',
    breakIt: (b) => writeFile(path.join(b, 'classifier_500.onnx'), Buffer.from(bases(4096, 'ACGT!#%&'))),
    args: ['--skip-checksums'],
    exit: EXIT.model,
    stderr: /classifier_500\.onnx: not a readable ONNX model/,
  },
  {
    broken: "manifest's protein.hiddenSize disagrees with the ONNX file",
    breakIt: (b) => editManifest(b, (m) => ((m['protein'] as Record<string, unknown>)['hiddenSize'] = 40)),
    exit: EXIT.model,
    stderr: /esm2\.onnx: protein\.hiddenSize: manifest\.json says 40, the ONNX file says 32/,
  },
  {
    broken: "manifest's classifier.inputWidth disagrees with the ONNX file",
    breakIt: (b) => editManifest(b, (m) => ((m['classifier'] as Record<string, unknown>)['inputWidth'] = 96)),
    exit: EXIT.model,
    stderr: /classifier_500\.onnx: classifier\.inputWidth: manifest\.json says 96, the ONNX file says 80/,
  },
  {
    broken: "a classifier from another model set (its width is not the encoders' 48 + 32)",
    breakIt: async (b) => {
      await cp(path.join(REPO_ROOT, 'test/fixtures/models/classifier_500.onnx'), path.join(b, 'classifier_500.onnx'));
      await editManifest(b, (m) => {
        (m['classifier'] as Record<string, unknown>)['inputWidth'] = 112;
        delete m['checksums'];
      });
    },
    exit: EXIT.model,
    stderr:
      /classifier_500\.onnx: classifier\.inputWidth: the classifier takes 112 features, but dna\.hiddenSize 48 \+ protein\.hiddenSize 32 = 80/,
  },
  {
    broken: 'a tokenizer.json that does not parse',
    breakIt: (b) => truncateFile(path.join(b, 'tokenizer.json'), 3000),
    exit: EXIT.model,
    stderr: /tokenizer\.json: does not parse as JSON/,
  },
  {
    broken: "a manifest entry leading outside the bundle ('../x.onnx'), checksum removed too",
    breakIt: async (b) => {
      await cp(path.join(b, 'classifier_500.onnx'), path.join(b, '..', `outside-${path.basename(b)}.onnx`));
      await editManifest(b, (m) => {
        (m['classifier'] as Record<string, unknown>)['onnx'] = `../outside-${path.basename(b)}.onnx`;
        delete (m['checksums'] as Record<string, unknown>)['classifier_500.onnx'];
      });
    },
    exit: EXIT.model,
    stderr: /manifest\.json: classifier\.onnx: "\.\.\/outside-\S+\.onnx" is not a path inside the bundle directory[\s\S]*symlink/,
  },
  {
    broken: 'a manifest entry with an absolute path (to a copy of the same model)',
    breakIt: (b) => editManifest(b, (m) => ((m['dna'] as Record<string, unknown>)['onnx'] = path.join(DEMO, 'dnabert_s.onnx'))),
    exit: EXIT.model,
    stderr: /manifest\.json: dna\.onnx: "\/\S+dnabert_s\.onnx" is not a path inside the bundle directory/,
  },
  {
    broken: "a checksum entry naming a file outside the bundle ('sub/../../x')",
    breakIt: (b) =>
      editManifest(b, (m) => ((m['checksums'] as Record<string, unknown>)['sub/../../etc/passwd'] = `sha256:${'0'.repeat(64)}`)),
    exit: EXIT.model,
    stderr: /manifest\.json: checksums\."sub\/\.\.\/\.\.\/etc\/passwd": .* is not a path inside the bundle directory/,
  },
  {
    broken: 'a model file placed in the bundle as a symlink by its owner: followed',
    breakIt: async (b) => {
      const target = path.join(b, '..', `linked-${path.basename(b)}.onnx`);
      await cp(path.join(b, 'esm2.onnx'), target);
      await rm(path.join(b, 'esm2.onnx'));
      await symlink(target, path.join(b, 'esm2.onnx'));
    },
    exit: EXIT.ok,
    stderr: /predict: 1 records/,
  },
  {
    broken: 'a model file without a checksum: loaded, with a warning naming it',
    breakIt: (b) => editManifest(b, (m) => delete (m['checksums'] as Record<string, unknown>)['esm2.onnx']),
    exit: EXIT.ok,
    stderr: /\[WARN\] \S*manifest\.json: no checksum for 'esm2\.onnx': loaded unverified/,
  },
  {
    broken: 'a manifest.json that is not JSON',
    breakIt: (b) => writeFile(path.join(b, 'manifest.json'), 'not json'),
    exit: EXIT.model,
    stderr: /manifest\.json: not valid JSON/,
  },
  {
    broken: '--models names a directory that does not exist',
    models: 'no-such-bundle',
    exit: EXIT.model,
    stderr: /no-such-bundle\b.*(does not exist|no such directory|not found)/i,
  },
  {
    broken: 'a bundle trained for 500 run with --chunk-length 300',
    args: ['-l', '300'],
    exit: EXIT.model,
    stderr: /manifest\.json: chunkLength: this bundle's classifier was trained on 500-bp chunks, but the run uses 300[\s\S]*--force/,
  },
  {
    broken: 'the same with --force: runs, and says so',
    args: ['-l', '300', '--force'],
    exit: EXIT.ok,
    stderr: /\[WARN\] --force: chunk length 300 with a classifier trained on 500-bp chunks: predictions are unreliable/,
  },
];

describe('6. broken model bundles (virnucpro predict --models COPY)', () => {
  let reads: string;
  beforeAll(async () => {
    reads = path.join(dir, 'one-read.fa');
    await writeFile(reads, fasta([['one', gc(120)]]));
  });

  BUNDLE_CASES.forEach((c, i) => {
    it(c.broken, async () => {
      const bundle = path.join(dir, `bundle-${i}`);
      await cp(DEMO, bundle, { recursive: true });
      await c.breakIt?.(bundle);
      const result = await runCli(['predict', '--models', path.join(bundle, c.models ?? ''), ...(c.args ?? []), reads]);
      expectOutcome(result, c.exit, c.stderr);
      if (c.exit === EXIT.ok)
        expect(
          tsvRows(result.stdout.toString('latin1'))
            .slice(1)
            .map(([id]) => id),
        ).toEqual(['one_chunk_1']);
    });
  });

  it('run_summary.json lists exactly the files loaded, each with its verified sha256 or unverified', async () => {
    const bundle = path.join(dir, 'bundle-summary');
    await cp(DEMO, bundle, { recursive: true });
    await writeFile(path.join(bundle, 'notes.onnx'), 'not loaded');
    await editManifest(bundle, (m) => delete (m['checksums'] as Record<string, unknown>)['esm2.onnx']);
    const out = path.join(dir, 'summary-out');
    const result = await runCli(['predict', '-q', '--models', bundle, '-o', out, reads]);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const summary = JSON.parse(await readFile(path.join(out, 'run_summary.json'), 'utf8')) as { bundle: { files: Record<string, string> } };
    const sha256 = async (name: string): Promise<string> =>
      createHash('sha256')
        .update(await readFile(path.join(bundle, name)))
        .digest('hex');
    expect(summary.bundle.files).toEqual({
      'dnabert_s.onnx': await sha256('dnabert_s.onnx'),
      'tokenizer.json': await sha256('tokenizer.json'),
      'esm2.onnx': 'unverified',
      'classifier_500.onnx': await sha256('classifier_500.onnx'),
    });
    const skipped = await runCli(['predict', '-q', '--skip-checksums', '--models', bundle, '-o', out, '--force', reads]);
    expect(skipped.code, skipped.stderr).toBe(EXIT.ok);
    const files = (JSON.parse(await readFile(path.join(out, 'run_summary.json'), 'utf8')) as { bundle: { files: Record<string, string> } })
      .bundle.files;
    expect(Object.values(files)).toEqual(['unverified', 'unverified', 'unverified', 'unverified']);
  });

  it('-o into a non-empty directory without --force or --resume: refused, nothing touched', async () => {
    const out = path.join(dir, 'busy');
    await mkdir(out);
    await writeFile(path.join(out, 'notes.txt'), 'keep me');
    const result = await runCli(['predict', '--models', DEMO, '-o', out, reads]);
    expect(result.code, result.stderr).toBe(EXIT.output);
    expect(result.stderr).toMatch(/busy: the output directory is not empty \(notes\.txt\)[\s\S]*--resume[\s\S]*--force/);
    expect(await readFile(path.join(out, 'notes.txt'), 'utf8')).toBe('keep me');
    expect(existsSync(path.join(out, RESULTS))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

/** FASTA text: a header with a description, 60-column sequence lines (none for an empty read). */
function fasta(reads: readonly Read[], eol = '\n'): string {
  return reads.map(([id, seq]) => `>${id} read ${id}${eol}${(seq.match(/.{1,60}/g) ?? []).map((line) => line + eol).join('')}`).join('');
}

/** The 1-based line of the first header of `id` in `text`. */
function headerLine(text: string, id: string): number {
  return text.split('\n').findIndex((line) => line === `>${id}` || line.startsWith(`>${id} `)) + 1;
}

/**
 * The original's windows over a read of `length` bases (spec section 2, written from the spec, not from
 * src/): n = ceil(L/c), the overlap R spread over a step list that is often longer than the n − 1 gaps.
 */
function windows(length: number, c: number): [number, number][] {
  if (length === 0) return [];
  const n = Math.ceil(length / c);
  const spare = n * c - length;
  const lo = Math.floor(spare / n);
  const need = spare - lo * (n - 1);
  const steps = [...Array<number>(need).fill(lo + 1), ...Array<number>(Math.max(0, n - 1 - need)).fill(lo), 0];
  const result: [number, number][] = [];
  let move = 0;
  for (let k = 0, a = 0; a < length && k < steps.length; k++, a += c) {
    result.push([a - move, Math.min(a - move + c, length)]);
    move += steps[k]!;
  }
  return result;
}

/** The chunks `virnucpro chunk` must write for `reads`: [chunk id, sequence], in order. */
function expectedChunks(reads: readonly Read[]): [string, string][] {
  return reads.flatMap(([id, seq]) =>
    windows(seq.length, CHUNK_LENGTH).map(([start, end], k): [string, string] => [`${id}_chunk_${k + 1}`, seq.slice(start, end)]),
  );
}

/** The records of `chunk`'s FASTA output: [id, sequence with its lines joined]. */
function chunkRecords(stdout: Buffer): [string, string][] {
  const records: [string, string][] = [];
  for (const line of stdout.toString('latin1').split('\n')) {
    if (line.startsWith('>')) records.push([line.slice(1), '']);
    else if (line !== '') records[records.length - 1]![1] += line;
  }
  return records;
}

function tsvRows(text: string): string[][] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => line.split('\t'));
}

/** What a user meets: the exit code and the message, and no crash. */
function expectOutcome(result: { code: number | null; stderr: string }, exit: ExitCode, stderr: RegExp): void {
  expect(result.code, result.stderr).toBe(exit);
  expect(result.stderr).toMatch(stderr);
  expectNoCrash(result);
}

/** A crash is a bug whatever the input: no "internal error", no stack trace. */
function expectNoCrash(result: { stderr: string }): void {
  expect(result.stderr).not.toMatch(/internal error|^\[ERRO\] +at /m);
}

function flipByte(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0xff;
  return copy;
}

async function truncateFile(file: string, bytes: number): Promise<void> {
  await writeFile(file, (await readFile(file)).subarray(0, bytes));
}

async function editManifest(bundle: string, edit: (manifest: Record<string, unknown>) => void): Promise<void> {
  const file = path.join(bundle, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(manifest);
  await writeFile(file, JSON.stringify(manifest, null, 2));
}

/** `>id` and `length` random bases on one line, in 1 MiB pieces (never the whole read in memory). */
function* oneLongRead(id: string, length: number): Generator<Buffer> {
  const block = Buffer.from(bases(1 << 20, 'ACGT'));
  yield Buffer.from(`>${id}\n`);
  for (let left = length; left > 0; left -= block.length) yield block.subarray(0, Math.min(left, block.length));
  yield Buffer.from('\n');
}

/** Checks `chunk`'s FASTA output as it streams past: ids in order, and each chunk's length. */
class ChunkLengthCounter {
  ids = 0;
  firstBadId: string | undefined;
  readonly lengths: number[] = [];
  #partial = '';

  push(bytes: Buffer): void {
    const lines = (this.#partial + bytes.toString('latin1')).split('\n');
    this.#partial = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith('>')) {
        this.ids += 1;
        if (line !== `>huge_chunk_${this.ids}` && this.firstBadId === undefined) this.firstBadId = line;
        this.lengths.push(0);
      } else {
        this.lengths[this.lengths.length - 1]! += line.length;
      }
    }
  }
}

/** `virnucpro ARGS | head -n 1` in bash: virnucpro's exit status, the lines head printed, virnucpro's stderr. */
function pipedToHead(args: readonly string[]): Promise<{ status: string; lines: number; stderr: string }> {
  const quoted = args.map((arg) => `'${arg}'`).join(' ');
  const child = spawn('bash', ['-c', `'${process.execPath}' '${CLI}' ${quoted} 2>&3 | head -n 1; echo "\${PIPESTATUS[0]}" >&2`], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let status = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (status += chunk.toString()));
  (child.stdio[3] as Readable).on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    child.on('close', () => resolve({ status: status.trim(), lines: stdout.split('\n').length - 1, stderr }));
  });
}

/** Runs the CLI with stdout sent to `target` (a path opened for writing). */
function runWithStdout(args: readonly string[], target: string): Promise<CliResult> {
  const fd = openSync(target, 'w');
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', fd, 'pipe'] });
  closeSync(fd);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.alloc(0), stderr }));
  });
}
