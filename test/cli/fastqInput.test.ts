import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

/**
 * FASTQ input through the built CLI: the demo reads converted to FASTQ here (independently of the reader: line
 * by line, qualities made up) must give predict's bytes for the FASTA, from a file, stdin and gzip; damaged
 * FASTQ stops with one positioned error, exit 3; --shard refuses FASTQ.
 */
const DEMO = path.join(REPO_ROOT, 'models', 'demo');
const DEMO_READS = path.join(REPO_ROOT, 'examples', 'data', 'demo.fa');

/** FASTA text as FASTQ: each header line with '@' for '>', the sequence lines joined, a quality per base. */
function toFastq(fastaText: string): string {
  const records: { header: string; seq: string }[] = [];
  for (const line of fastaText.split('\n')) {
    if (line.startsWith('>')) records.push({ header: line.slice(1), seq: '' });
    else if (records.length > 0) records[records.length - 1]!.seq += line.trim();
  }
  // Quality characters cycle through '@', '+' and '>' too: a reader that took them for record starts would fail.
  const quality = (n: number): string => Array.from({ length: n }, (_, i) => '@+>I#'[i % 5]).join('');
  return records.map((r) => `@${r.header}\n${r.seq}\n+\n${quality(r.seq.length)}\n`).join('');
}

let dir: string;
let fastq: string;
let fastaOut: Buffer;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-fastq-'));
  fastq = toFastq(await readFile(DEMO_READS, 'latin1'));
  await writeFile(path.join(dir, 'demo.fq'), fastq, 'latin1');
  await writeFile(path.join(dir, 'demo.fq.gz'), gzipSync(Buffer.from(fastq, 'latin1')));
  const result = await runCli(['predict', '-q', '--models', DEMO, DEMO_READS]);
  expect(result.code).toBe(0);
  fastaOut = result.stdout;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FASTQ input', () => {
  it('predict gives the same bytes as for the same reads in FASTA: from a file, stdin and gzip', async () => {
    expect(fastaOut.toString().split('\n').length).toBeGreaterThan(20);
    for (const [args, stdin] of [
      [[path.join(dir, 'demo.fq')], undefined],
      [['-'], fastq],
      [[path.join(dir, 'demo.fq.gz')], undefined],
    ] as const) {
      const result = await runCli(['predict', '-q', '--models', DEMO, ...args], stdin === undefined ? {} : { stdin });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout.equals(fastaOut)).toBe(true);
    }
  });

  it('chunk and translate read it as the FASTA', async () => {
    for (const command of ['chunk', 'translate']) {
      const [fromFasta, fromFastq] = await Promise.all([
        runCli([command, '-q', DEMO_READS]),
        runCli([command, '-q', path.join(dir, 'demo.fq.gz')]),
      ]);
      expect(fromFastq.code).toBe(0);
      expect(fromFastq.stdout.equals(fromFasta.stdout)).toBe(true);
    }
  });

  it('damaged FASTQ: one error naming file, line and record, exit 3', async () => {
    const lines = fastq.split('\n');
    const cases: [string, string, RegExp][] = [
      [
        'no-plus.fq',
        [...lines.slice(0, 6), ...lines.slice(7)].join('\n'),
        /no-plus\.fq:7: record 'demo_read_2': expected '\+' after the sequence line \(FASTQ\)/,
      ],
      [
        'short-quality.fq',
        [...lines.slice(0, 7), lines[7]!.slice(1), ...lines.slice(8)].join('\n'),
        /short-quality\.fq:8: record 'demo_read_2': expected \d+ quality characters, one per base, but the quality line holds \d+/,
      ],
      [
        'truncated.fq',
        lines.slice(0, 10).join('\n'),
        /truncated\.fq:10: record 'demo_read_3': the input ends inside a FASTQ record, in its sequence line/,
      ],
    ];
    for (const [name, text, message] of cases) {
      const file = path.join(dir, name);
      await writeFile(file, text, 'latin1');
      const result = await runCli(['predict', '--models', DEMO, file]);
      expect(result.code, result.stderr).toBe(3);
      const errors = result.stderr.split('\n').filter((line) => line.includes('[ERRO] '));
      expect(errors[0]).toMatch(message);
      expect(errors).toHaveLength(2); // the message and its hint
      expect(result.stdout.length).toBe(0);
    }
  });

  it('--shard refuses FASTQ (exit 2), pointing at a split into files', async () => {
    const result = await runCli(['predict', '--models', DEMO, '--shard', '1/2', '-o', path.join(dir, 'shard1'), path.join(dir, 'demo.fq')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot read shard 1\/2 of FASTQ: a FASTQ record cannot be found from an arbitrary byte/);
    expect(result.stderr).toMatch(/seqkit split2/);
  });
});
