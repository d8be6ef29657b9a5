import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { consumeBatches } from '../../src/flow/sink.js';
import { predict, type PredictWarning } from '../../src/pipeline/predict.js';
import { runPredict } from '../../src/pipeline/runPredict.js';
import { writeTinyBundle } from '../../bench/support/tinyBundle.js';

/**
 * The library says what the CLI says, through the caller's callback or logger and nothing else: a bundle
 * marked meaningless (the tiny test bundle is), and reads whose ids repeat on a stream output.
 */
let dir: string;
let bundle: string;
let reads: string;
const READ = 'ACGTTGCA'.repeat(90);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-warnings-'));
  bundle = await writeTinyBundle(path.join(dir, 'tiny'));
  reads = path.join(dir, 'reads.fa');
  await writeFile(reads, `>a\n${READ}\n>b\n${READ}\n>a\n${READ}\n>c\n${READ}\n>b\n${READ}\n`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Fails the test if anything reaches the console or stderr: warnings go through the caller's callback only. */
function silenceChecks() {
  return [vi.spyOn(console, 'log'), vi.spyOn(console, 'warn'), vi.spyOn(console, 'error'), vi.spyOn(process.stderr, 'write')];
}

describe('warnings from the library', () => {
  it("predict() hands a meaningless bundle's warning to onWarning once, and prints nothing", async () => {
    const spies = silenceChecks();
    const warnings: PredictWarning[] = [];
    await consumeBatches(predict(reads, { bundle, threads: 2, onWarning: (warning) => warnings.push(warning) }), () => undefined);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    expect(warnings.filter((warning) => warning.kind === 'meaningless-bundle')).toEqual([
      {
        kind: 'meaningless-bundle',
        count: 1,
        position: { file: path.join(bundle, 'manifest.json') },
        message: expect.stringMatching(/^bundle 'tiny .*' is marked meaningless \(demo or test weights\): so are these predictions$/),
      },
    ]);
  });

  it('runPredict() logs it once through its log, with the repeated ids of a stream output, and records both in the summary', async () => {
    const spies = silenceChecks();
    const warn = vi.fn<(message: string) => void>();
    const stream = new PassThrough().resume();
    const { summary } = await runPredict(reads, {
      models: bundle,
      output: { stream: { stream, name: 'memory' } },
      threads: 2,
      log: { info: () => undefined, warn },
    });
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    const messages = warn.mock.calls.map(([message]) => message);
    expect(messages.filter((message) => /is marked meaningless/.test(message))).toHaveLength(1);
    expect(messages.filter((message) => /repeat/.test(message))).toEqual([
      "2 read(s) repeat an earlier read's id, first 'a': their rows on memory share chunk ids (kept apart, not merged; predict -o merges them as the original VirNucPro does)",
    ]);
    expect(summary!.warnings).toEqual(messages);
  });

  it("predict() warns that an fp16 (GPU) export runs slower on the CPU, from the manifest's provenance.precision", async () => {
    const fp16 = await writeTinyBundle(path.join(dir, 'tiny-fp16'));
    const manifestFile = path.join(fp16, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { provenance: Record<string, string> };
    await writeFile(manifestFile, JSON.stringify({ ...manifest, provenance: { ...manifest.provenance, precision: 'fp16' } }));
    const kinds = async (models: string): Promise<PredictWarning[]> => {
      const warnings: PredictWarning[] = [];
      await consumeBatches(predict(reads, { bundle: models, threads: 2, onWarning: (w) => warnings.push(w) }), () => undefined);
      return warnings.filter((warning) => warning.kind === 'precision-device');
    };
    expect(await kinds(fp16)).toEqual([
      {
        kind: 'precision-device',
        count: 1,
        position: { file: manifestFile },
        message: expect.stringMatching(
          /is an fp16 export, made for GPUs: on the CPU it runs slower than a float32 export .*docs\/gpu\.md\)$/,
        ),
      },
    ]);
    expect(await kinds(bundle)).toEqual([]); // no precision recorded: nothing to say
  });
});
