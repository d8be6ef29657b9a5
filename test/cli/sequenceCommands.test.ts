import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { describeShared, sharedPath } from '../support/shared.js';

const ref = (...parts: string[]) => sharedPath('reference', ...parts);

describeShared('chunk and translate against the original tool', () => {
  const cases = [
    ['broad_tests_data', 'test_with_orfs'],
    ['broad_tests_data', 'test_fixed_500bp'],
    ['broad_tests_data', 'test_sequences_small'],
    ['generated_from_original', 'edge_cases'],
  ] as const;

  it.each(cases)('chunk %s/%s.fa equals the original chunk file byte for byte', async (dir, name) => {
    const result = await runCli(['chunk', '-q', ref(dir, `${name}.fa`)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toBe(readFileSync(ref(dir, `${name}_chunked500.fa`), 'utf8'));
  });

  it.each(cases)("translate -f fasta %s/%s.fa writes the original's two identified files", async (dir, name) => {
    const out = mkdtempSync(path.join(tmpdir(), 'virnucpro-translate-'));
    const result = await runCli([
      'translate',
      '-q',
      '-f',
      'fasta',
      '--nucleotide-out',
      `${out}/nt.fa`,
      '--protein-out',
      `${out}/aa.faa`,
      ref(dir, `${name}.fa`),
    ]);
    expect(result.code).toBe(0);
    expect(readFileSync(`${out}/nt.fa`, 'utf8')).toBe(readFileSync(ref(dir, `${name}_identified_nucleotide.fa`), 'utf8'));
    expect(readFileSync(`${out}/aa.faa`, 'utf8')).toBe(readFileSync(ref(dir, `${name}_identified_protein.faa`), 'utf8'));
  });

  it('translate tsv: a header, then each frame id with the nucleotide and protein of the original files, from stdin', async () => {
    const input = readFileSync(ref('generated_from_original', 'edge_cases.fa'));
    const result = await runCli(['translate', '-q', '-'], { stdin: input });
    expect(result.code).toBe(0);
    const fasta = (file: string) => {
      const lines = readFileSync(ref('generated_from_original', file), 'utf8').trimEnd().split('\n');
      const records: [string, string][] = [];
      for (let i = 0; i < lines.length; i += 2) records.push([lines[i]!.slice(1), lines[i + 1]!]);
      return records;
    };
    const nt = fasta('edge_cases_identified_nucleotide.fa');
    const aa = fasta('edge_cases_identified_protein.faa');
    const expected = 'frame_id\tnucleotide\tprotein\n' + nt.map(([id, seq], i) => `${id}\t${seq}\t${aa[i]![1]}\n`).join('');
    expect(result.stdout.toString()).toBe(expected);
  });
});

describe('command-line behaviour', () => {
  it('prints help with the output columns and exit codes', async () => {
    const result = await runCli(['translate', '--help']);
    expect(result.code).toBe(0);
    const help = result.stdout.toString();
    expect(help).toContain('frame_id <TAB> nucleotide <TAB> protein');
    expect(help).toContain('F1 F2 F3');
    expect(help).toMatch(/Exit codes:[\s\S]*3 +input error/);
  });

  it('translate tsv starts with its header (alone for an empty input); FASTA output has none', async () => {
    const tsv = await runCli(['translate', '-q', '-'], { stdin: `>r1\n${'ATG'.repeat(120)}\n` });
    const lines = tsv.stdout.toString().trimEnd().split('\n');
    expect(lines[0]).toBe('frame_id\tnucleotide\tprotein');
    expect(lines.slice(1).map((line) => line.split('\t')[0])).toContain('r1_chunk_1F1');
    expect((await runCli(['translate', '-q', '-'], { stdin: '' })).stdout.toString()).toBe('frame_id\tnucleotide\tprotein\n');
    const fasta = await runCli(['translate', '-q', '-f', 'fasta', '-'], { stdin: `>r1\n${'ATG'.repeat(120)}\n` });
    expect(fasta.stdout.toString()).toMatch(/^>r1_chunk_1F1\n/);
  });

  it('names both spellings and the allowed values of a bad option (exit 2)', async () => {
    const result = await runCli(['chunk', '-l', '400', '-']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid -l/--chunk-length 400: available 300, 500');
  });

  it('reports bad input with file, line and record, exit 3', async () => {
    const result = await runCli(['translate', '-'], { stdin: 'ACGT\n>r1\nACGT\n' });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/\[ERRO\] -:1: .*expected '>'/);
  });

  it('accepts a reader that closes stdout early (| head) with exit 0 and no error', async () => {
    const reads = Array.from({ length: 20000 }, (_, i) => `>r${i}\n${'GCG'.repeat(100)}\n`).join('');
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(`node ${CLI} translate - | head -n 2`, { shell: '/bin/bash', stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', () => {
        expect(stderr).not.toContain('ERRO');
        resolve(0);
      });
      // The pipeline may end (head has its lines) before it has read all of stdin: EPIPE here is expected.
      child.stdin.on('error', () => undefined);
      child.stdin.end(reads);
    });
    expect(code).toBe(0);
    // The exit status of the virnucpro side of the pipe:
    const status = await new Promise<string>((resolve) => {
      const child = spawn(`node ${CLI} translate -q - | head -n 1 > /dev/null; echo \${PIPESTATUS[0]}`, { shell: '/bin/bash' });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('close', () => resolve(out.trim()));
      child.stdin.on('error', () => undefined);
      child.stdin.end(reads);
    });
    expect(status).toBe('0');
  });
});
