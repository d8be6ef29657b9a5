import { describe, expect, it } from 'vitest';
import { FASTA_BENCH_WORKLOADS, chunksOf, countBionode, countOurs, workloadBytes } from '../../bench/micro/fastaParse.bench.js';
import { parseAll, plainRecords, referenceParse } from './fastaTestKit.js';

describe('fastaParse benchmark workloads (pinned, so the benchmark cannot measure nothing)', () => {
  it.each(FASTA_BENCH_WORKLOADS)('$name: pinned size, and our parser reads every record', async (workload) => {
    const bytes = await workloadBytes(workload);
    expect(bytes.length).toBe(workload.bytes);
    expect(await countOurs(chunksOf(bytes))).toBe(workload.reads);
  });

  it('both counting functions agree with the reference on a small input', async () => {
    const bytes = await workloadBytes({ ...FASTA_BENCH_WORKLOADS[0]!, reads: 300 });
    const expected = referenceParse(bytes.toString('latin1'));
    expect(plainRecords(await parseAll(bytes))).toEqual(expected);
    expect(await countOurs(chunksOf(bytes, 1000))).toBe(300);
    expect(await countBionode(chunksOf(bytes, 1000))).toBe(300);
  });
});
