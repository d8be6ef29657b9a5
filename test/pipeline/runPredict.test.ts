import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelBatch } from '../../src/model/batches.js';
import type { InferenceBackend, StartInferenceBackend } from '../../src/model/inferenceBackend.js';
import { startInferencePool } from '../../src/model/inferencePool.js';
import type { ModelSpec } from '../../src/model/modelSpec.js';
import { RUN_SUMMARY_FILE } from '../../src/output/predictionDirectory.js';
import { runPredict } from '../../src/pipeline/runPredict.js';
import { writeTinyBundle } from '../../bench/support/tinyBundle.js';
import { syntheticReads } from '../../bench/support/syntheticReads.js';

let dir: string;
let reads: string;
let bundle: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-run-'));
  reads = path.join(dir, 'reads.fa');
  await writeFile(reads, syntheticReads(400, 5));
  bundle = await writeTinyBundle(path.join(dir, 'tiny'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs to a stream; returns the text written and the run's result. */
async function toStream(options: Omit<Parameters<typeof runPredict>[1], 'output' | 'models'> = {}) {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const result = await runPredict(reads, { models: bundle, output: { stream: { stream, name: 'memory' } }, threads: 2, ...options });
  return { text: Buffer.concat(chunks).toString('latin1'), result };
}

/**
 * A backend of another kind, as a remote inference server would be: it owns its own runner (here a worker
 * pool it starts itself), counts what it runs, and describes itself differently. Nothing else knows it.
 */
function delegatingBackends(runs: Map<string, number>): StartInferenceBackend {
  const start = async (model: ModelSpec, options: { readonly signal?: AbortSignal | undefined }): Promise<InferenceBackend> => {
    const pool = (await startInferencePool(model as never, {
      workers: 1,
      intraOpNumThreads: 1,
      signal: options.signal,
    })) as InferenceBackend;
    runs.set(model.label, 0);
    return {
      model,
      concurrency: 3,
      outputWidth: pool.outputWidth,
      run(batch: ModelBatch, signal?: AbortSignal) {
        runs.set(model.label, runs.get(model.label)! + 1);
        return pool.run(batch, signal);
      },
      describe: () => ({ backend: 'delegate', model: model.label, device: 'elsewhere', concurrency: 3, details: {} }),
      close: () => pool.close(),
    };
  };
  return start as StartInferenceBackend;
}

describe('runPredict', () => {
  it('runs on backends given by startBackend with the same results as on its worker pools', async () => {
    const own = await toStream();
    expect(own.result.status).toBe('complete');
    expect(own.result.summary!.backends.dna.backend).toBe('onnxruntime-workers');
    const runs = new Map<string, number>();
    const other = await toStream({ startBackend: delegatingBackends(runs) });
    expect(other.text).toBe(own.text);
    expect(other.text.split('\n').length).toBeGreaterThan(100);
    expect([...runs.keys()].sort()).toEqual(['classifier', 'dna', 'protein']);
    for (const [label, count] of runs) expect(count, label).toBeGreaterThan(0);
    expect(other.result.summary!.backends.protein).toEqual({
      backend: 'delegate',
      model: 'protein',
      device: 'elsewhere',
      concurrency: 3,
      details: {},
    });
    expect(other.result.summary!.counts.rowsWritten).toEqual({ memory: own.result.summary!.counts.rowsWritten['memory'] });
  });

  it('counts every read and chunk once by call (viral, not viral, uncallable), as the files and the input say', async () => {
    // The synthetic reads and a few that cannot be called: too short to translate, all N, stops in every frame.
    const input = path.join(dir, 'calls.fa');
    const text = `${syntheticReads(400, 5)}>tiny\nAC\n>unknown\n${'N'.repeat(700)}\n>stops\n${'TAA'.repeat(120)}\n`;
    await writeFile(input, text);
    const out = path.join(dir, 'calls');
    const { summary } = await runPredict(input, { models: bundle, output: { dir: out }, threads: 2 });
    // Independently: each record's chunks from its length, each chunk's call from its frame rows.
    const frames = (await readFile(path.join(out, 'prediction_results.txt'), 'latin1'))
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.split('\t'));
    const maxima = new Map<string, [number, number]>();
    for (const [frame, , score1, score2] of frames) {
      const chunk = frame!.slice(0, -2);
      const [max1, max2] = maxima.get(chunk) ?? [-Infinity, -Infinity];
      maxima.set(chunk, [Math.max(max1, Number(score1)), Math.max(max2, Number(score2))]);
    }
    const expected = { chunks: { viral: 0, notViral: 0, uncallable: 0 }, reads: { viral: 0, notViral: 0, uncallable: 0 } };
    const records = text
      .split('>')
      .slice(1)
      .map((record) => record.split('\n'));
    for (const [header, ...lines] of records) {
      const id = header!.split(' ')[0]!;
      const calls = Array.from({ length: Math.ceil(lines.join('').length / 500) }, (_, k) => maxima.get(`${id}_chunk_${k + 1}`));
      for (const call of calls) {
        if (call === undefined) expected.chunks.uncallable += 1;
        else if (call[1] >= call[0]) expected.chunks.viral += 1;
        else expected.chunks.notViral += 1;
      }
      if (calls.some((call) => call !== undefined && call[1] >= call[0])) expected.reads.viral += 1;
      else if (calls.some((call) => call !== undefined)) expected.reads.notViral += 1;
      else expected.reads.uncallable += 1;
    }
    expect(summary!.counts.calls).toEqual(expected);
    // Not vacuous: the tiny bundle calls both ways, and some reads have no callable chunk.
    expect(Math.min(...Object.values(expected.chunks), ...Object.values(expected.reads))).toBeGreaterThan(0);
    expect(expected.reads.viral + expected.reads.notViral + expected.reads.uncallable).toBe(403);
    // A run to a stream counts the same.
    const stream = new PassThrough();
    stream.resume();
    const streamed = await runPredict(input, { models: bundle, output: { stream: { stream, name: 'memory' } }, threads: 2 });
    expect(streamed.summary!.counts.calls).toEqual(expected);
  });

  it('builds the summary once: what it returns is run_summary.json; a finished directory is left alone', async () => {
    const out = path.join(dir, 'results');
    const first = await runPredict(reads, { models: bundle, output: { dir: out }, threads: 2 });
    expect(first.status).toBe('complete');
    const written: unknown = JSON.parse(await readFile(path.join(out, RUN_SUMMARY_FILE), 'utf8'));
    expect(written).toEqual(JSON.parse(JSON.stringify(first.summary)));
    expect(first.summary!.counts.framesKept).toBe(first.summary!.counts.rowsWritten['prediction_results.txt']);
    const messages: string[] = [];
    const again = await runPredict(reads, {
      models: bundle,
      output: { dir: out, mode: 'resume' },
      log: { info: (m) => messages.push(m), warn: () => undefined },
    });
    expect(again).toEqual({ status: 'already-complete', summary: undefined });
    expect(messages).toEqual([`${out}: this run is already complete; nothing to do`]);
  });
});
