import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';
import { parseFastaText } from '../sequence/helpers.js';
import { syntheticReads } from '../../bench/support/syntheticReads.js';
import { writeTinyBundle } from '../../bench/support/tinyBundle.js';

// Every file of examples/ runs here, as a user runs it: the compiled example from dist/, importing the
// package's own entry points ('virnucpro', 'virnucpro/operators'), on the demo data.
const DEMO_READS = path.join(REPO_ROOT, 'examples/data/demo.fa');
const DEMO = path.join(REPO_ROOT, 'models/demo');

function run(command: string, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('latin1')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The chunk calls of `virnucpro predict` on the demo: the reference the examples must agree with. */
let calls: [string, string][];
const viralPerRead = (): Map<string, string[]> => {
  const perRead = new Map<string, string[]>();
  for (const [chunk, viral] of calls) {
    const read = chunk.replace(/_chunk_\d+$/, '');
    if (!perRead.has(read)) perRead.set(read, []);
    if (viral === 'True') perRead.get(read)!.push(chunk);
  }
  return perRead;
};

beforeAll(async () => {
  const result = await runCli(['predict', '-q', '--models', DEMO, DEMO_READS]);
  expect(result.code).toBe(0);
  calls = result.stdout
    .toString('latin1')
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t').slice(0, 2) as [string, string]);
});

describe('examples/', () => {
  it('composeOperators.ts: the stage operators composed by hand call the same chunks viral as virnucpro predict', async () => {
    const result = await run(process.execPath, ['dist/examples/composeOperators.js']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/meaningless/);
    const expected = [...viralPerRead()].map(([read, chunks]) => `${read}\t${chunks.length}\t${chunks.join(',')}`);
    expect(result.stdout.trimEnd().split('\n')).toEqual(expected);
  });

  it('etlEnrich.ts: one JSON line per input record, in input order, joined with its chunk calls', async () => {
    const result = await run(process.execPath, ['dist/examples/etlEnrich.js']);
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; chunks: number; chunksWithKeptFrames: number; viralChunks: number; viral: boolean });
    const records = parseFastaText(await readFile(DEMO_READS, 'latin1'));
    expect(lines.map((line) => line.id)).toEqual(records.map((record) => record.id));
    const perRead = viralPerRead();
    lines.forEach((line, i) => {
      expect(line.chunks).toBe(Math.ceil(records[i]!.seq.length / 500));
      expect(line.viralChunks).toBe(perRead.get(line.id)?.length ?? 0);
      expect(line.chunksWithKeptFrames).toBe(calls.filter(([chunk]) => chunk.replace(/_chunk_\d+$/, '') === line.id).length);
      expect(line.viral).toBe(line.viralChunks > 0);
    });
  });

  describe('resumableRun.ts', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-examples-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('writes the same files as virnucpro predict -o, then finds the run complete', async () => {
      const cli = await runCli(['predict', '-q', '--models', DEMO, '-o', path.join(dir, 'cli'), DEMO_READS]);
      expect(cli.code).toBe(0);
      const first = await run(process.execPath, ['dist/examples/resumableRun.js', DEMO_READS, path.join(dir, 'lib')]);
      expect(first.code).toBe(0);
      expect(first.stderr).toMatch(/meaningless/);
      const summary = JSON.parse(await readFile(path.join(dir, 'lib', 'run_summary.json'), 'utf8')) as {
        counts: { framesKept: number; chunksWithKeptFrames: number };
      };
      expect(first.stdout).toContain(
        `frames: ${summary.counts.framesKept}, chunks with kept frames: ${summary.counts.chunksWithKeptFrames}`,
      );
      for (const file of ['prediction_results.txt', 'prediction_results_highestscore.csv']) {
        expect(await readFile(path.join(dir, 'lib', file)), file).toEqual(await readFile(path.join(dir, 'cli', file)));
      }
      const again = await run(process.execPath, ['dist/examples/resumableRun.js', DEMO_READS, path.join(dir, 'lib')]);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe(`${path.join(dir, 'lib')}: already complete\n`);
    });
  });

  describe('pipeFromStdin.sh', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-examples-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('keeps the header and the first five viral chunks; virnucpro exits 0', async () => {
      const result = await run('bash', ['examples/pipeFromStdin.sh']);
      expect(result.code).toBe(0);
      const expected = [
        'chunk_id\tis_virus\tmax_score1\tmax_score2',
        ...calls
          .filter(([, viral]) => viral === 'True')
          .slice(0, 5)
          .map(([chunk]) => chunk),
      ];
      expect(
        result.stdout
          .trimEnd()
          .split('\n')
          .map((line, i) => (i === 0 ? line : line.split('\t')[0])),
      ).toEqual(expected);
      expect(result.stderr).toContain('virnucpro exit status: 0');
    });

    it('ends a long run early and quietly when head has its lines', async () => {
      const reads = path.join(dir, 'long.fa');
      await writeFile(reads, syntheticReads(8000, 9));
      const tiny = await writeTinyBundle(path.join(dir, 'tiny'));
      const result = await run('bash', ['examples/pipeFromStdin.sh', reads, tiny]);
      expect(result.code).toBe(0);
      expect(result.stdout.trimEnd().split('\n')).toHaveLength(6);
      expect(result.stderr).toBe('virnucpro exit status: 0\n');
    });
  });
});
