import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeShared, sharedPath } from '../support/shared.js';
import { parseAll, plainRecords, referenceParse } from './fastaTestKit.js';

/** Inputs of ../shared/reference and the original chunker's output for them (its README). */
const PAIRS = [
  ['broad_tests_data/test_with_orfs.fa', 'broad_tests_data/test_with_orfs_chunked500.fa'],
  ['broad_tests_data/test_fixed_500bp.fa', 'broad_tests_data/test_fixed_500bp_chunked500.fa'],
  ['broad_tests_data/test_sequences_small.fa', 'broad_tests_data/test_sequences_small_chunked500.fa'],
  ['broad_tests_data/test_sequences.fa', 'generated_from_original/test_sequences_chunked500.fa'],
  ['generated_from_original/edge_cases.fa', 'generated_from_original/edge_cases_chunked500.fa'],
] as const;

const CHUNK = 500;

describeShared('parseFasta on the reference inputs (ids and sequences as the original read them)', () => {
  it.each(PAIRS)('%s', async (input, chunked) => {
    const bytes = readFileSync(sharedPath('reference', input));
    const records = plainRecords(await parseAll(bytes, { source: input }, [4093]));
    // The original wrote chunk 1 of every read as `<id>_chunk_1` = the read's first 500 bases (the whole read
    // when it is <= 500 bp), in input order: an oracle for what Biopython read, ids and case included.
    const firstChunks = referenceParse(readFileSync(sharedPath('reference', chunked), 'latin1')).filter((r) => r.id.endsWith('_chunk_1'));
    expect(records.map((r) => `${r.id}_chunk_1`)).toEqual(firstChunks.map((r) => r.id));
    expect(records.map((r) => r.seq.slice(0, CHUNK))).toEqual(firstChunks.map((r) => r.seq));
    const whole = records.filter((r) => r.seq.length <= CHUNK).length;
    expect(whole).toBeGreaterThan(0);
  });
});
