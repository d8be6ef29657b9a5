import { describe, expect, it } from 'vitest';
import { VirnucproError } from '../../src/errors.js';
import { GroupAssembler } from '../../src/packing/groupAssembler.js';
import { PackingStats } from '../../src/packing/packingStats.js';
import { TokenPacker, type PackedBatch } from '../../src/packing/tokenPacker.js';
import { prng } from '../../bench/support/syntheticFasta.js';

/** Fisher-Yates with the test's seeded generator. */
function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

describe('GroupAssembler', () => {
  it('releases groups in registration order once all their rows are done (worked by hand)', () => {
    const assembler = new GroupAssembler<string>();
    const a = assembler.add('A', 2);
    assembler.add('B', 0);
    const c = assembler.add('C', 1);
    assembler.complete(c);
    expect(assembler.takeReady()).toEqual([]); // C is done but A is not
    assembler.complete(a);
    expect(assembler.takeReady()).toEqual([]);
    assembler.complete(a);
    expect(assembler.takeReady()).toEqual(['A', 'B', 'C']);
    expect(assembler.size).toBe(0);
    expect(assembler.takeReady()).toEqual([]);
  });

  it('releases an empty group at the head at once, and keeps tickets valid after taking', () => {
    const assembler = new GroupAssembler<string>();
    assembler.add('empty', 0);
    expect(assembler.takeReady()).toEqual(['empty']);
    const x = assembler.add('X', 3);
    expect(x).toBe(1);
    assembler.complete(x, 3);
    expect(assembler.takeReady()).toEqual(['X']);
  });

  it('refuses unknown or taken tickets and over-completion', () => {
    const assembler = new GroupAssembler<string>();
    const a = assembler.add('A', 1);
    expect(() => assembler.complete(a + 1)).toThrow(VirnucproError);
    expect(() => assembler.complete(a, 2)).toThrow(/2 rows completed but 1 were missing/);
    assembler.complete(a);
    expect(() => assembler.complete(a)).toThrow(/0 were missing/);
    assembler.takeReady();
    expect(() => assembler.complete(a)).toThrow(/not held/);
    expect(() => assembler.add('bad', -1)).toThrow(VirnucproError);
  });

  it('emits every group exactly once, in order, as soon as it and all earlier groups are done (random completion orders)', () => {
    const random = prng(7);
    const violations: string[] = []; // asserted once: an expect() per step would dominate the run time
    for (let trial = 0; trial < 200; trial++) {
      const assembler = new GroupAssembler<number>();
      const sizes = Array.from({ length: 1 + Math.floor(random() * 30) }, () => Math.floor(random() * 6));
      const done = sizes.map(() => 0);
      const tickets: number[] = [];
      const pendingRows: number[] = []; // one entry (group index) per row whose result is not back yet
      const emitted: number[] = [];
      let registered = 0;

      while (emitted.length < sizes.length) {
        // Interleave arrivals and completions, as a pipeline does.
        if (registered < sizes.length && (pendingRows.length === 0 || random() < 0.4)) {
          tickets.push(assembler.add(registered, sizes[registered]!));
          for (let r = 0; r < sizes[registered]!; r++) pendingRows.push(registered);
          registered += 1;
        } else if (pendingRows.length > 0) {
          const group = pendingRows.splice(Math.floor(random() * pendingRows.length), 1)[0]!;
          assembler.complete(tickets[group]!);
          done[group]! += 1;
        }
        emitted.push(...assembler.takeReady());
        // Independent expectation: the longest registered prefix of finished groups has been emitted.
        let prefix = 0;
        while (prefix < registered && done[prefix] === sizes[prefix]) prefix += 1;
        if (emitted.length !== prefix || emitted.some((group, i) => group !== i) || assembler.size !== registered - prefix) {
          violations.push(`trial ${trial}: emitted [${emitted}] with ${prefix} groups finished in order, ${assembler.size} held`);
          break;
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('puts packed rows back together per group with TokenPacker, whatever order batches finish in', () => {
    const random = prng(99);
    const assembler = new GroupAssembler<{ readonly id: number; readonly lengths: number[]; readonly results: number[] }>();
    const packer = new TokenPacker<{ readonly ticket: number; readonly group: number; readonly row: number }>({
      tokenBudget: 256,
      window: 37,
    });
    const stats = new PackingStats();
    const groups = Array.from({ length: 60 }, (_, id) => ({
      id,
      lengths: Array.from({ length: Math.floor(random() * 12) }, () => 3 + Math.floor(random() * 60)),
      results: [] as number[],
    }));
    const inFlight: PackedBatch<{ ticket: number; group: number; row: number }>[] = [];
    const out: number[] = [];
    const finishSome = (all: boolean) => {
      shuffle(inFlight, random);
      while (inFlight.length > 0 && (all || random() < 0.5)) {
        const batch = inFlight.pop()!;
        stats.record(batch);
        for (const key of batch.keys) {
          groups[key.group]!.results[key.row] = groups[key.group]!.lengths[key.row]! * 10; // the "embedding"
          assembler.complete(key.ticket);
        }
      }
      out.push(...assembler.takeReady().map((group) => group.id));
    };
    for (const group of groups) {
      const ticket = assembler.add(group, group.lengths.length);
      group.lengths.forEach((tokens, row) => inFlight.push(...packer.push({ ticket, group: group.id, row }, tokens)));
      finishSome(false);
    }
    inFlight.push(...packer.flush());
    finishSome(true);

    expect(out).toEqual(groups.map((group) => group.id));
    for (const group of groups) expect(group.results).toEqual(group.lengths.map((len) => len * 10));
    expect(stats.rows).toBe(groups.reduce((sum, group) => sum + group.lengths.length, 0));
    expect(stats.realTokens).toBe(groups.flatMap((group) => group.lengths).reduce((a, b) => a + b, 0));
  });
});
