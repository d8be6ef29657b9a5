import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../bench/support/syntheticFasta.js';
import { CLI, runCli } from '../support/cli.js';
import { REPO_ROOT, describeShared, sharedPath } from '../support/shared.js';
import { MODELS_DIR, PIPELINE_DIR, READS, SCORE_TOLERANCE, isNearTie } from '../pipeline/support/pipelineFixture.js';
import { syntheticReads } from '../../bench/support/syntheticReads.js';
import { writeTinyBundle } from '../../bench/support/tinyBundle.js';

const DEMO = path.join(REPO_ROOT, 'models/demo');
const DEMO_READS = path.join(REPO_ROOT, 'examples/data/demo.fa');
const RESULTS = 'prediction_results.txt';
const HIGHEST = 'prediction_results_highestscore.csv';

let dir: string;
let tiny: string;
/** ~4 MB: several 1 MiB input batches, so several commit points. */
let big: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-predict-cli-'));
  tiny = await writeTinyBundle(path.join(dir, 'tiny'));
  big = path.join(dir, 'big.fa');
  await writeFile(big, syntheticReads(5000, 5));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const out = (name: string): string => path.join(dir, name);
const read = (...parts: string[]): Promise<string> => readFile(path.join(...parts), 'latin1');

/** Starts the CLI; resolves with its exit code (or signal) and stderr. */
function start(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, done };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('virnucpro predict to stdout', () => {
  it('streams one TSV row per chunk with kept frames after the column header; the model is named on stderr', async () => {
    const result = await runCli(['predict', '--models', DEMO, DEMO_READS]);
    expect(result.code).toBe(0);
    const lines = result.stdout.toString('latin1').trimEnd().split('\n');
    expect(lines[0]).toBe('chunk_id\tis_virus\tmax_score1\tmax_score2');
    expect(lines.filter((line) => line.startsWith('#'))).toEqual([]);
    expect(result.stderr).toMatch(
      /^(\S+ )?\[INFO\] virnucpro \S+ predict: bundle 'demo \(meaningless\)' \(manifest sha256 [0-9a-f]{12}\), chunk length 500$/m,
    );
    const rows = lines.slice(1).map((line) => line.split('\t'));
    expect(rows.length).toBeGreaterThan(10);
    for (const [id, viral, max1, max2] of rows) {
      expect(id).toMatch(/_chunk_\d+$/);
      expect(viral).toBe(Number(max2) >= Number(max1) ? 'True' : 'False');
    }
    expect(result.stderr).toMatch(/\[WARN\] bundle 'demo \(meaningless\)' is marked meaningless/);
    expect(result.stderr).toMatch(/stage +rows +busy s +rows\/s[\s\S]*embed-protein/);
  });

  it('--per-frame --format jsonl: one object per kept frame, every line a row', async () => {
    const frames = await runCli(['predict', '-q', '--models', DEMO, '--per-frame', '--format', 'jsonl', DEMO_READS]);
    const chunks = await runCli(['predict', '-q', '--models', DEMO, DEMO_READS]);
    expect(frames.code).toBe(0);
    const rows = frames.stdout
      .toString('latin1')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['frame_id', 'prediction', 'score1', 'score2']);
      expect(row['prediction']).toBe((row['score2'] as number) > (row['score1'] as number) ? 'virus' : 'others');
    }
    // Every chunk row of the default output is the max over exactly these frames.
    const byChunk = new Map<string, [number, number]>();
    for (const row of rows) {
      const id = (row['frame_id'] as string).slice(0, -2);
      const [m1, m2] = byChunk.get(id) ?? [-1, -1];
      byChunk.set(id, [Math.max(m1, row['score1'] as number), Math.max(m2, row['score2'] as number)]);
    }
    const chunkLines = chunks.stdout.toString('latin1').trimEnd().split('\n').slice(1);
    expect(chunkLines.map((line) => line.split('\t')[0])).toEqual([...byChunk.keys()]);
    for (const line of chunkLines) {
      const [id, , max1, max2] = line.split('\t');
      expect([Number(max1), Number(max2)]).toEqual(byChunk.get(id!));
    }
  });

  it('ends early and quietly with exit 0 when the reader closes stdout (| head)', async () => {
    const child = spawn(
      `cat '${big}' '${big}' | node ${CLI} predict --models '${tiny}' - | head -n 3; echo "status \${PIPESTATUS[1]}" >&2`,
      { shell: '/bin/bash' },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    expect(stdout.split('\n')).toHaveLength(4);
    expect(stderr).toContain('status 0');
    expect(stderr).not.toContain('[ERRO]');
  });

  it('writes the header alone (TSV) or nothing (JSONL) for input without records, or without kept frames', async () => {
    for (const input of ['', '>n1\nNNNNNNNNNNNN\n>n2\nNN\n']) {
      const result = await runCli(['predict', '-q', '--models', tiny, '-'], { stdin: input });
      expect(result.code).toBe(0);
      expect(result.stdout.toString()).toBe('chunk_id\tis_virus\tmax_score1\tmax_score2\n');
      const jsonl = await runCli(['predict', '-q', '--models', tiny, '-f', 'jsonl', '-'], { stdin: input });
      expect([jsonl.code, jsonl.stdout.length]).toEqual([0, 0]);
    }
  });
});

describe('virnucpro predict -o DIR', () => {
  it("writes the original's two files and a run summary that accounts for every record", async () => {
    const input = out('with-empty.fa');
    await writeFile(input, `>empty1 no sequence\n>dup\n${'GCG'.repeat(300)}\n>empty2\n\n>dup\n${'GGC'.repeat(200)}\n`);
    const skipped = out('skipped.tsv');
    const result = await runCli(['predict', '--models', tiny, '-o', out('run'), '--skipped-out', skipped, input]);
    expect(result.code).toBe(0);
    const results = await read(out('run'), RESULTS);
    const highest = await read(out('run'), HIGHEST);
    expect(results.split('\n')[0]).toBe('Sequence_ID\tPrediction\tscore1\tscore2');
    // Two reads named dup: both sets of frame rows, one merged consensus row per chunk id (pandas groupby).
    expect(results.split('\n').filter((line) => line.startsWith('dup_chunk_1F1'))).toHaveLength(2);
    expect(highest).toMatch(/^Modified_ID\tIs_Virus\ndup_chunk_1\t(True|False)\ndup_chunk_2\t(True|False)\n$/);
    const summary = JSON.parse(await read(out('run'), 'run_summary.json')) as Record<string, any>;
    expect(summary['bundle']).toMatchObject({ name: 'tiny (near-zero cost, meaningless)', meaningless: true, chunkLength: 500 });
    expect(summary['bundle']['manifestSha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(summary['chunkLength']).toBe(500);
    expect(summary['counts']).toMatchObject({
      recordsRead: 2,
      recordsSkipped: { emptyRecord: 2 },
      chunks: 4,
      chunksWithKeptFrames: 4,
      rowsWritten: { [RESULTS]: results.split('\n').length - 2, [HIGHEST]: 2 },
      duplicateChunkIdsMerged: 2,
    });
    expect(summary['counts']['framesKept']).toBe(results.split('\n').length - 2);
    expect(summary['timing']['stages'].map((s: { name: string }) => s.name)).toEqual([
      'read',
      'translate',
      'embed-dna',
      'embed-protein',
      'classify',
      'write',
    ]);
    expect(await read(skipped)).toBe(
      'record_id\theader_line\treason\nempty1\t1\tempty record (no sequence)\nempty2\t4\tempty record (no sequence)\n',
    );
    expect(result.stderr).toMatch(/skipped 2 empty record/);
  });

  it('--skipped-out lists every skipped record in input order, however many (the warning names five)', async () => {
    const input = out('many-empty.fa');
    // 3000 empty records, every 100th followed by a real one: header lines 1, 2, … with the real records' two lines.
    const expected: string[] = [];
    let text = '';
    let line = 1;
    for (let i = 0; i < 3000; i++) {
      text += `>e${i} empty\n`;
      expected.push(`e${i}\t${line}\tempty record (no sequence)`);
      line += 1;
      if (i % 100 === 99) {
        text += `>r${i}\n${'ACGTTGCA'.repeat(40)}\n`;
        line += 2;
      }
    }
    await writeFile(input, text);
    const skipped = out('many-skipped.tsv');
    const result = await runCli(['predict', '-q', '--models', tiny, '-o', out('many'), '--skipped-out', skipped, input]);
    expect(result.code, result.stderr).toBe(0);
    expect((await read(skipped)).split('\n')).toEqual(['record_id\theader_line\treason', ...expected, '']);
    const summary = JSON.parse(await read(out('many'), 'run_summary.json')) as {
      counts: { recordsRead: number; recordsSkipped: { emptyRecord: number } };
    };
    expect(summary.counts).toMatchObject({ recordsRead: 30, recordsSkipped: { emptyRecord: 3000 } });
  });

  it('writes header-only files when nothing is kept', async () => {
    for (const [name, input] of [
      ['none', ''],
      ['no-frames', '>n\nNNNNNNNNNN\n'],
    ] as const) {
      const result = await runCli(['predict', '-q', '--models', tiny, '-o', out(name), '-'], { stdin: input });
      expect(result.code).toBe(0);
      expect(await read(out(name), RESULTS)).toBe('Sequence_ID\tPrediction\tscore1\tscore2\n');
      expect(await read(out(name), HIGHEST)).toBe('Modified_ID\tIs_Virus\n');
    }
  });

  it('refuses a non-empty directory (exit 5) unless --force; refuses bad flag combinations (exit 2)', async () => {
    await mkdir(out('busy'));
    await writeFile(path.join(out('busy'), 'notes.txt'), 'keep me');
    const refused = await runCli(['predict', '-q', '--models', tiny, '-o', out('busy'), DEMO_READS]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/not empty[\s\S]*--resume[\s\S]*--force/);
    expect((await runCli(['predict', '-q', '--models', tiny, '-o', out('busy'), '--force', DEMO_READS])).code).toBe(0);
    expect(await read(out('busy'), 'notes.txt')).toBe('keep me');
    expect((await runCli(['predict', '-q', '--models', tiny, '--resume', DEMO_READS])).code).toBe(2);
    expect((await runCli(['predict', '-q', '--models', tiny, '-o', out('x'), '--per-frame', DEMO_READS])).code).toBe(2);
    expect((await runCli(['predict', '-q', DEMO_READS])).stderr).toMatch(/--models <dir> is required/);
  });

  it('refuses a chunk length the model was not trained for (exit 4) unless --force, which it records', async () => {
    const refused = await runCli(['predict', '-q', '--models', tiny, '-l', '300', DEMO_READS]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/trained on 500-bp chunks, but the run uses 300/);
    const forced = await runCli(['predict', '--models', tiny, '-l', '300', '--force', '-o', out('forced'), DEMO_READS]);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/\[WARN\] --force: chunk length 300/);
    expect(JSON.parse(await read(out('forced'), 'run_summary.json'))).toMatchObject({ chunkLength: 300, forcedChunkLength: 300 });
  });

  it('splits --force in two: --overwrite replaces -o results only, --accept-chunk-length accepts a chunk length only', async () => {
    await mkdir(out('busy2'));
    await writeFile(path.join(out('busy2'), 'notes.txt'), 'keep me');
    const mismatched = await runCli(['predict', '-q', '--models', tiny, '-l', '300', '-o', out('busy2'), '--overwrite', DEMO_READS]);
    expect(mismatched.code).toBe(4);
    expect(mismatched.stderr).toMatch(/trained on 500-bp chunks, but the run uses 300/);
    expect((await runCli(['predict', '-q', '--models', tiny, '-o', out('busy2'), '--overwrite', DEMO_READS])).code).toBe(0);
    expect(await read(out('busy2'), 'notes.txt')).toBe('keep me');
    const busy = await runCli(['predict', '-q', '--models', tiny, '-l', '300', '-o', out('busy2'), '--accept-chunk-length', DEMO_READS]);
    expect(busy.code).toBe(5);
    const accepted = await runCli(['predict', '--models', tiny, '-l', '300', '--accept-chunk-length', '-o', out('accepted'), DEMO_READS]);
    expect(accepted.code).toBe(0);
    expect(accepted.stderr).toMatch(/\[WARN\] --force: chunk length 300/);
    expect(JSON.parse(await read(out('accepted'), 'run_summary.json'))).toMatchObject({ chunkLength: 300, forcedChunkLength: 300 });
  });
});

describe('virnucpro predict -o DIR --resume', () => {
  let reference: [string, string];
  /** The uninterrupted run's counts: a resumed run must count every record, chunk and call exactly once too. */
  let referenceCounts: Record<string, unknown>;
  let wallMs = 0;
  const counts = async (name: string): Promise<Record<string, unknown>> =>
    (JSON.parse(await read(out(name), 'run_summary.json')) as { counts: Record<string, unknown> }).counts;
  beforeAll(async () => {
    const started = performance.now();
    const result = await runCli(['predict', '-q', '--models', tiny, '-o', out('reference'), big]);
    wallMs = performance.now() - started;
    expect(result.code).toBe(0);
    reference = [await read(out('reference'), RESULTS), await read(out('reference'), HIGHEST)];
    referenceCounts = await counts('reference');
  });

  const resumeArgs = (name: string) => ['predict', '-q', '--models', tiny, '-o', out(name), '--resume', big];

  it.each([1, 2, 3])('gives byte-identical files after kill -9 at a random moment and --resume (seed %i)', async (seed) => {
    const name = `killed-${seed}`;
    const run = start(['predict', '-q', '--models', tiny, '-o', out(name), big], { VIRNUCPRO_COMMIT_INTERVAL_MS: '0' });
    await delay((0.15 + 0.8 * prng(seed)()) * wallMs);
    run.child.kill('SIGKILL');
    const killed = await run.done;
    const resumed = await runCli(resumeArgs(name));
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect([await read(out(name), RESULTS), await read(out(name), HIGHEST)]).toEqual(reference);
    expect(await counts(name)).toEqual(referenceCounts);
    // The reports are made from the directory's files: a resumed run's score histogram is the whole run's.
    expect(await read(out(name), 'virnucpro_scores_mqc.json')).toBe(await read(out('reference'), 'virnucpro_scores_mqc.json'));
    expect(killed.signal === 'SIGKILL' || killed.code === 0).toBe(true);
  });

  it('refuses to resume a run whose commits hold no call counts (an earlier virnucpro started it): exit 6', async () => {
    const name = 'no-call-counts';
    const run = start(['predict', '-q', '--models', tiny, '-o', out(name), big], { VIRNUCPRO_COMMIT_INTERVAL_MS: '0' });
    const state = path.join(out(name), '.virnucpro', 'state.json');
    for (let i = 0; i < 800 && !/"records": [1-9]/.test(existsSync(state) ? await readFile(state, 'utf8').catch(() => '') : ''); i++)
      await delay(25);
    run.child.kill('SIGKILL');
    await run.done;
    const committed = JSON.parse(await readFile(state, 'utf8')) as { checkpoint: { records: number }; counters: Record<string, number> };
    expect(committed.checkpoint.records).toBeGreaterThan(0);
    expect(Object.keys(committed.counters)).toContain('readsUncallable');
    committed.counters = Object.fromEntries(
      Object.entries(committed.counters).filter(([key]) => !/^(chunks|reads)(Viral|NotViral|Uncallable)$/.test(key)),
    );
    await writeFile(state, JSON.stringify(committed));
    const refused = await runCli(resumeArgs(name));
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/started by an earlier virnucpro that did not count viral and non-viral calls[\s\S]*--force/);
  });

  it('stops cleanly on SIGINT (exit 130, saying how to resume), and resumes', async () => {
    // Input trickles in from stdin, so the run is still going when it is interrupted.
    const text = await readFile(big);
    const name = out('interrupted');
    const child = spawn(process.execPath, [CLI, 'predict', '--models', tiny, '-o', name, '-'], {
      env: { ...process.env, VIRNUCPRO_COMMIT_INTERVAL_MS: '0' },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin!.on('error', () => undefined);
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin!.write(text.subarray(0, 3 << 20));
    const state = path.join(name, '.virnucpro', 'state.json');
    for (let i = 0; i < 800 && !/"records": [1-9]/.test(existsSync(state) ? await readFile(state, 'utf8').catch(() => '') : ''); i++)
      await delay(25);
    child.kill('SIGINT');
    expect(await closed).toBe(130);
    expect(stderr).toMatch(/interrupted by SIGINT: .* holds the results of the first [\d,]+ records/);
    expect(stderr).toContain(`to continue: virnucpro predict --models ${tiny} -o ${name} - --resume`);
    const committed = JSON.parse(await readFile(state, 'utf8')) as { checkpoint: { records: number } };
    expect(committed.checkpoint.records).toBeGreaterThan(0);
    const resumed = await runCli(['predict', '--models', tiny, '-o', name, '--resume', '-'], { stdin: text });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/resuming after [\d,]+ records already done/);
    expect([await read(name, RESULTS), await read(name, HIGHEST)]).toEqual(reference);
    expect((JSON.parse(await read(name, 'run_summary.json')) as { counts: unknown }).counts).toEqual(referenceCounts);
    const again = await runCli(['predict', '--models', tiny, '-o', name, '--resume', '-'], { stdin: text });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already complete; nothing to do/);
  });

  it('refuses to resume with a changed input, option or bundle (exit 6), explaining what changed', async () => {
    const input = out('changing.fa');
    await copyFile(DEMO_READS, input);
    // The identity is checked before anything else, so a finished run serves as well as an interrupted one.
    expect((await runCli(['predict', '-q', '--models', tiny, '-o', out('changing'), input])).code).toBe(0);
    await appendFile(input, '>extra\nGCGGCGGCG\n');
    const changedInput = await runCli(['predict', '-q', '--models', tiny, '-o', out('changing'), '--resume', input]);
    expect(changedInput.code).toBe(6);
    expect(changedInput.stderr).toMatch(/cannot resume: input\.mtime was .*; input\.size was \d+, now \d+/);
    const changedOption = await runCli([
      'predict',
      '-q',
      '--models',
      tiny,
      '-o',
      out('reference'),
      '--resume',
      '-l',
      '300',
      '--force',
      big,
    ]);
    expect(changedOption.code).toBe(6);
    expect(changedOption.stderr).toMatch(/options\.chunkLength was 500, now 300/);
    const other = await writeTinyBundle(out('tiny-300'), 300);
    const changedBundle = await runCli([
      'predict',
      '-q',
      '--models',
      other,
      '-o',
      out('reference'),
      '--resume',
      '-l',
      '500',
      '--force',
      big,
    ]);
    expect(changedBundle.code).toBe(6);
    expect(changedBundle.stderr).toMatch(/bundle\.manifestSha256 was/);
  });

  it('refuses a stdin input whose first records differ from those of the interrupted run (exit 6)', async () => {
    const text = await readFile(big);
    const name = out('stdin');
    const child = spawn(process.execPath, [CLI, 'predict', '-q', '--models', tiny, '-o', name, '-'], {
      env: { ...process.env, VIRNUCPRO_COMMIT_INTERVAL_MS: '0' },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.stdin!.on('error', () => undefined);
    const closed = new Promise((resolve) => child.on('close', resolve));
    child.stdin!.write(text.subarray(0, 3 << 20));
    const state = path.join(name, '.virnucpro', 'state.json');
    for (let i = 0; i < 800 && !/"records": [1-9]/.test(existsSync(state) ? await readFile(state, 'utf8').catch(() => '') : ''); i++)
      await delay(25);
    child.kill('SIGKILL');
    await closed;
    // The same bytes but for one base of the first read: stdin has no size or mtime, the fingerprint tells.
    const changed = Buffer.from(text);
    const firstBase = changed.indexOf('\n') + 1;
    changed[firstBase] = changed[firstBase] === 0x41 ? 0x43 : 0x41;
    const refused = await runCli(['predict', '-q', '--models', tiny, '-o', name, '--resume', '-'], { stdin: changed });
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/is not the input of the interrupted run: its first [\d]+ records differ/);
    const resumed = await runCli(['predict', '-q', '--models', tiny, '-o', name, '--resume', '-'], { stdin: text });
    expect(resumed.code).toBe(0);
    expect([await read(name, RESULTS), await read(name, HIGHEST)]).toEqual(reference);
  });
});

describeShared('virnucpro predict on the fixture models against the PyTorch whole-pipeline reference', () => {
  let bundleDir: string;
  beforeAll(async () => {
    bundleDir = out('fixture-bundle');
    await mkdir(bundleDir, { recursive: true });
    await copyFile(sharedPath('models', 'dnabert-s', 'tokenizer.json'), path.join(bundleDir, 'tokenizer.json'));
    for (const file of await readdir(MODELS_DIR))
      if (/\.(onnx|json)$/.test(file)) await copyFile(path.join(MODELS_DIR, file), path.join(bundleDir, file));
  });

  it.each([300, 500] as const)("chunk length %i: the original's files, scores within tolerance and the same calls", async (chunkLength) => {
    const result = await runCli([
      'predict',
      '-q',
      '-m',
      path.join(bundleDir, `manifest-${chunkLength}.json`),
      '-o',
      out(`fixture-${chunkLength}`),
      READS,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const rows = (text: string) =>
      text
        .trimEnd()
        .split('\n')
        .map((line) => line.split('\t'));
    const got = rows(await read(out(`fixture-${chunkLength}`), RESULTS));
    const expected = rows(await read(PIPELINE_DIR, `chunk${chunkLength}`, RESULTS));
    expect(got.map((row) => row[0])).toEqual(expected.map((row) => row[0]));
    expected.slice(1).forEach(([id, label, s1, s2], i) => {
      const [, gotLabel, g1, g2] = got[i + 1]!;
      expect(Math.abs(Number(g1) - Number(s1))).toBeLessThanOrEqual(SCORE_TOLERANCE);
      expect(Math.abs(Number(g2) - Number(s2))).toBeLessThanOrEqual(SCORE_TOLERANCE);
      if (!isNearTie(Number(s1), Number(s2))) expect(`${id} ${gotLabel}`).toBe(`${id} ${label}`);
    });
    const gotHighest = rows(await read(out(`fixture-${chunkLength}`), HIGHEST));
    const expectedHighest = rows(await read(PIPELINE_DIR, `chunk${chunkLength}`, HIGHEST));
    expect(gotHighest.map((row) => row[0])).toEqual(expectedHighest.map((row) => row[0]));
    const frameScores = new Map<string, [number, number]>();
    for (const [id, , s1, s2] of got.slice(1)) {
      const chunk = id!.slice(0, -2);
      const [m1, m2] = frameScores.get(chunk) ?? [-1, -1];
      frameScores.set(chunk, [Math.max(m1, Number(s1)), Math.max(m2, Number(s2))]);
    }
    expectedHighest.slice(1).forEach(([id, call], i) => {
      const [m1, m2] = frameScores.get(id!)!;
      if (!isNearTie(m1, m2)) expect(`${id} ${gotHighest[i + 1]![1]}`).toBe(`${id} ${call}`);
    });
  });
});
