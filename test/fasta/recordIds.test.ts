import { describe, expect, it } from 'vitest';
import { RepeatedIds, decodeIds, idBytes } from '../../src/fasta/recordIds.js';
import { prng } from '../../bench/support/syntheticFasta.js';
import { parseAll } from './fastaTestKit.js';

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

/** Ids [from, to) read back out of IdBytes. */
function idsOf(bytes: { bytes: Uint8Array; starts: Uint32Array }): string[] {
  return Array.from({ length: bytes.starts.length - 1 }, (_, r) => latin1(bytes.bytes.subarray(bytes.starts[r], bytes.starts[r + 1])));
}

describe('record ids decoded once per batch', () => {
  it('decodes every id, empty ones included, and serves its bytes back without encoding', () => {
    const source = { bytes: Buffer.from('r1read_2\xe9x', 'latin1'), starts: Uint32Array.of(0, 2, 2, 8, 10) };
    const ids = decodeIds(source);
    expect(ids).toEqual(['r1', '', 'read_2', '\xe9x']);
    const range = idBytes(ids, 1, 4);
    expect(range.bytes).toBe(source.bytes); // the reader's bytes, not a new encoding
    expect(idsOf(range)).toEqual(['', 'read_2', '\xe9x']);
  });

  it('encodes ids the reader did not make (built by hand, or a copy of the array)', () => {
    const ids = ['a', 'bb', '', '\xe9'];
    const encoded = idBytes(ids, 1, 4);
    expect(idsOf(encoded)).toEqual(['bb', '', '\xe9']);
    expect(encoded.starts[0]).toBe(0);
    const copy = decodeIds({ bytes: Buffer.from('xyz'), starts: Uint32Array.of(0, 1, 3) }).slice();
    expect(idBytes(copy, 0, 2).bytes).toEqual(Buffer.from('xyz'));
  });

  it("keeps the header bytes of the reader's ids, UTF-8 and ids cut across chunks included", async () => {
    const input = Buffer.from('>r\xc3\xa9ad|\xce\xbb1 desc\nACGT\n>  sp|x2\tmore\nGG\n>\nTT\n>long_' + 'x'.repeat(100) + '\nA\n', 'latin1');
    for (const sizes of [undefined, [1], [3, 7]]) {
      const batches = await parseAll(input, { batchRecords: 2 }, sizes);
      const ids = batches.flatMap((batch) => batch.ids);
      expect(ids).toEqual(['r\xc3\xa9ad|\xce\xbb1', 'sp|x2', '', `long_${'x'.repeat(100)}`]);
      for (const batch of batches) expect(idsOf(idBytes(batch.ids, 0, batch.count))).toEqual(batch.ids);
    }
  });
});

describe('RepeatedIds', () => {
  it('finds exactly the ids seen before, as a Set of the strings does, across its growth', () => {
    const random = prng(3);
    const repeated = new RepeatedIds();
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) {
      // Short ids from a small space repeat often; long ones with a shared prefix never do.
      const id = random() < 0.5 ? `r${Math.floor(random() * 50_000)}` : `sample_A_lane_1_read_${i}/1`;
      expect(repeated.add(id)).toBe(seen.has(id));
      seen.add(id);
    }
    expect(repeated.checked).toBe(200_000);
    expect(repeated.add('')).toBe(false);
    expect(repeated.add('')).toBe(true);
  });
});
