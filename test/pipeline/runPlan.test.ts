import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PACKING_WINDOW,
  DEFAULT_TOKEN_BUDGET,
  resolveTokenPackerOptions,
  TokenPacker,
  withLengthMultiple,
} from '../../src/packing/tokenPacker.js';
import { DEFAULT_BATCH_BASES } from '../../src/fasta/fastaParser.js';
import { defaultText, PREDICT_DEFAULTS, predictDefaultsMarkdown, type PredictDefault } from '../../src/pipeline/predictDefaults.js';
import { predict } from '../../src/pipeline/predict.js';
import { planRun } from '../../src/pipeline/runPlan.js';
import { planThreads } from '../../src/pipeline/threadPlan.js';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';

/** Every object in `value`, `value` included, is frozen. */
function deeplyFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(deeplyFrozen);
}

describe('planRun', () => {
  it('fills every unset option from the defaults table, with the thread plan planThreads makes', () => {
    const plan = planRun({});
    expect(plan).toEqual({
      chunkLength: undefined,
      force: false,
      verifyChecksums: true,
      device: 'cpu',
      deviceIds: [0],
      threads: planThreads({ threads: availableParallelism() }),
      allowSpinning: false,
      packing: { tokenBudget: DEFAULT_TOKEN_BUDGET, window: DEFAULT_PACKING_WINDOW, maxRows: Infinity, lengthMultiple: 1 },
      creditUnits: 8 * 1024 * 1024,
      batchBases: DEFAULT_BATCH_BASES,
    });
  });

  it('keeps what is given, and is frozen all the way down', () => {
    const plan = planRun({
      chunkLength: 300,
      force: true,
      verifyChecksums: false,
      device: 'cuda',
      deviceId: [0, 1],
      threads: 8,
      workers: 2,
      tokenBudget: 4096,
      window: 512,
      creditUnits: 1 << 20,
      batchBases: 1 << 16,
      allowSpinning: true,
    });
    expect(plan).toMatchObject({ chunkLength: 300, force: true, verifyChecksums: false, device: 'cuda', deviceIds: [0, 1] });
    expect(plan.threads).toEqual(planThreads({ threads: 8, workers: 2, device: 'cuda' }));
    expect(plan).toMatchObject({
      packing: { tokenBudget: 4096, window: 512 },
      creditUnits: 1 << 20,
      batchBases: 1 << 16,
      allowSpinning: true,
    });
    expect(deeplyFrozen(plan)).toBe(true);
    expect(() => {
      (plan.packing as { tokenBudget: number }).tokenBudget = 1;
    }).toThrow(TypeError);
  });

  it.each([
    [{ chunkLength: 400 }, /options\.chunkLength must be 300 or 500/],
    [{ tokenBudget: 0 }, /options\.tokenBudget must be a positive integer/],
    [{ window: 1.5 }, /options\.window must be an integer/],
    [{ threads: 0 }, /options\.threads must be an integer >= 1/],
    [{ allowSpinning: 'yes' }, /options\.allowSpinning must be a boolean/],
    [{ force: 1 }, /options\.force must be a boolean/],
  ])('refuses %o with a TypeError naming the option', (options, message) => {
    expect(() => planRun(options as never)).toThrow(message);
  });
});

describe('predict takes a plan planRun made, and no other', () => {
  it('refuses a hand-made plan with a TypeError (it was never checked)', () => {
    const copy = { ...planRun({}) };
    expect(() => predict('reads.fa', { bundle: 'b', plan: copy })).toThrow(/options\.plan must be what planRun returned/);
    expect(() => predict('reads.fa', { bundle: 'b', plan: planRun({ tokenBudget: 64 }) })).not.toThrow();
  });
});

describe('token packing options, resolved once', () => {
  it('are frozen when resolved, and a packer takes them as they are', () => {
    const resolved = resolveTokenPackerOptions({ tokenBudget: 256, window: 16 });
    expect(Object.isFrozen(resolved)).toBe(true);
    const packer = new TokenPacker<number>(resolved);
    expect([packer.tokenBudget, packer.window, packer.maxRows, packer.lengthMultiple]).toEqual([256, 16, Infinity, 1]);
    // Options not resolved are still checked.
    expect(() => new TokenPacker({ tokenBudget: 0 })).toThrow(/tokenBudget must be a positive integer/);
  });

  it("are a plan's, resolved once: an encoder's padding multiple is added without checking the rest again", () => {
    const plan = planRun({ tokenBudget: 4096, window: 512 });
    expect(withLengthMultiple(plan.packing, 1)).toBe(plan.packing);
    const padded = withLengthMultiple(plan.packing, 4);
    expect(padded).toEqual({ ...plan.packing, lengthMultiple: 4 });
    expect(new TokenPacker<number>(padded).lengthMultiple).toBe(4);
    expect(() => withLengthMultiple(plan.packing, 65)).toThrow(/options\.lengthMultiple must be an integer in 1\.\.64/);
    expect(() => withLengthMultiple({ ...plan.packing }, 4)).toThrow(/must be what resolveTokenPackerOptions returned/);
  });
});

describe('the defaults table', () => {
  const rows = Object.entries(PREDICT_DEFAULTS) as [string, PredictDefault<unknown>][];

  it('gives every option a unit and a memory note, and a way to work out the ones it leaves unset', () => {
    for (const [option, row] of rows) {
      expect(row.unit, option).not.toBe('');
      expect(row.memory, option).not.toBe('');
      if (row.value === undefined) expect(row.worked, option).toBeTruthy();
    }
    expect(defaultText(PREDICT_DEFAULTS.tokenBudget)).toBe('16 384');
  });

  it('is what docs/predict.md shows (regenerate the block from predictDefaultsMarkdown() after changing it)', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs/predict.md'), 'utf8');
    const block = /<!-- predict-defaults:begin[^\n]*-->\n([\s\S]*?)\n<!-- predict-defaults:end -->/.exec(doc);
    expect(block, 'docs/predict.md has the generated defaults block').not.toBeNull();
    expect(block![1]).toBe(predictDefaultsMarkdown());
  });

  it('is what virnucpro predict --help shows for every flag with a fixed default', async () => {
    const help = await runCli(['predict', '--help']);
    expect(help.code).toBe(0);
    const fixed = rows.filter(([, row]) => row.flag !== null && row.value !== undefined && typeof row.value !== 'boolean');
    expect(fixed.map(([option]) => option).sort()).toEqual(['device', 'deviceId', 'tokenBudget', 'window', 'workers']);
    for (const [option, row] of fixed) {
      const line = help.stdout
        .toString()
        .split('\n')
        .find((text) => text.includes(`${row.flag} `));
      expect(line, option).toMatch(new RegExp(`default ${String(row.value)}\\)$`));
    }
  });
});
