import { describe, expect, it } from 'vitest';
import { chunkRecordBatch } from '../../src/sequence/chunkBatch.js';
import { formatChunksFasta } from '../../src/sequence/formatChunks.js';
import { formatFramesFasta, formatFramesTsv } from '../../src/sequence/formatFrames.js';
import { translateChunkBatch } from '../../src/sequence/frameBatch.js';
import { describeShared } from '../support/shared.js';
import { parseFastaText, randomRecords, recordBatchOf, referenceText, type TextRecord } from './helpers.js';
import { naiveChunks, naiveIdentify } from '../../bench/support/naiveSixFrames.js';

/** Biopython's FASTA writer as a string: 60-column lines. */
function naiveChunkFasta(records: readonly TextRecord[], size: number): string {
  return records
    .flatMap((record) =>
      naiveChunks(record.seq, size).map(({ text }, k) => `>${record.id}_chunk_${k + 1}\n${text.match(/.{1,60}/gs)!.join('\n')}\n`),
    )
    .join('');
}

function naiveTsv(records: readonly TextRecord[], size: number): string {
  return naiveIdentify(records, size)
    .map((frame) => `${frame.id}\t${frame.nucleotide}\t${frame.protein}\n`)
    .join('');
}

const GOLDEN = [
  { folder: 'broad_tests_data', stem: 'test_with_orfs', chunkedIn: 'broad_tests_data', identified: true },
  { folder: 'broad_tests_data', stem: 'test_fixed_500bp', chunkedIn: 'broad_tests_data', identified: true },
  { folder: 'broad_tests_data', stem: 'test_sequences_small', chunkedIn: 'broad_tests_data', identified: true },
  { folder: 'generated_from_original', stem: 'edge_cases', chunkedIn: 'generated_from_original', identified: true },
  // The oracle has no identified files for this one: no frame of its 100 reads survives.
  { folder: 'broad_tests_data', stem: 'test_sequences', chunkedIn: 'generated_from_original', identified: false },
] as const;

describeShared('formatters reproduce the original files byte for byte', () => {
  it.each(GOLDEN)('$stem', ({ folder, stem, chunkedIn, identified }) => {
    const records = parseFastaText(referenceText(folder, `${stem}.fa`));
    const chunks = chunkRecordBatch(recordBatchOf(records, `${stem}.fa`), 500);
    expect(formatChunksFasta(chunks).toString('latin1')).toBe(referenceText(chunkedIn, `${stem}_chunked500.fa`));
    const frames = translateChunkBatch(chunks);
    if (identified) {
      expect(formatFramesFasta(frames, 'nucleotide').toString('latin1')).toBe(referenceText(folder, `${stem}_identified_nucleotide.fa`));
      expect(formatFramesFasta(frames, 'protein').toString('latin1')).toBe(referenceText(folder, `${stem}_identified_protein.faa`));
    } else {
      expect(frames.count).toBe(0);
    }
    expect(formatFramesTsv(frames).toString('latin1')).toBe(naiveTsv(records, 500));
  });
});

describe('formatters on random reads', () => {
  it.each([300, 500])('chunk FASTA and frame TSV/FASTA equal the naive strings, chunk length %i', (size) => {
    for (let seed = 1; seed <= 12; seed++) {
      // Ids are Latin-1 strings of the header's bytes (as the reader makes them): a UTF-8 header must come
      // out as the same UTF-8 bytes. Chunk numbers reach two digits.
      const utf8Id = (i: number) => Buffer.from(`réad|λ${i}`, 'utf8').toString('latin1');
      const records = randomRecords(seed, 20, 6000).map((record, i) => (i % 3 === 0 ? { ...record, id: utf8Id(i) } : record));
      const chunks = chunkRecordBatch(recordBatchOf(records), size);
      expect(formatChunksFasta(chunks).toString('latin1')).toBe(naiveChunkFasta(records, size));
      expect(formatChunksFasta(chunks).toString('utf8')).toContain('>réad|λ0_chunk_1\n');
      const frames = translateChunkBatch(chunks);
      const kept = naiveIdentify(records, size);
      expect(formatFramesTsv(frames).toString('latin1')).toBe(naiveTsv(records, size));
      expect(formatFramesFasta(frames, 'nucleotide').toString('latin1')).toBe(kept.map((f) => `>${f.id}\n${f.nucleotide}\n`).join(''));
      expect(formatFramesFasta(frames, 'protein').toString('latin1')).toBe(kept.map((f) => `>${f.id}\n${f.protein}\n`).join(''));
    }
  });

  it('writes nothing for a batch without chunks or without kept frames', () => {
    const empty = chunkRecordBatch(recordBatchOf([]), 500);
    expect(formatChunksFasta(empty).length).toBe(0);
    const stops = translateChunkBatch(chunkRecordBatch(recordBatchOf([{ id: 'x', seq: 'TAATAATAATTATTATTAGCTAGCTAGC' }]), 500));
    expect(stops.count).toBe(0);
    expect(formatFramesTsv(stops).length).toBe(0);
    expect(formatFramesFasta(stops, 'protein').length).toBe(0);
  });
});
