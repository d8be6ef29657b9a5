import { describe, expect, it } from 'vitest';
import { chunkRecordBatch } from '../../src/sequence/chunkBatch.js';
import { frameId, translateChunkBatch, type FrameBatch } from '../../src/sequence/frameBatch.js';
import { AMINO, BASE_CODE, CODON_AMINO, PAIR_CODE, REVERSE_CODON_AMINO, STOP_CLASS, STOP_CLASS_5 } from '../../src/sequence/geneticCode.js';
import { FrameBuilder, translateChunks } from '../../src/sequence/sixFrames.js';
import { describeShared } from '../support/shared.js';
import { parseFastaText, randomRecords, recordBatchOf, referenceText, type TextRecord } from './helpers.js';
import { CODON_TABLE, naiveChunks, naiveIdentify, naiveReverseComplement, naiveSixFrames } from '../../bench/support/naiveSixFrames.js';

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

/** Kept frames as plain rows, for comparing with the naive implementation. */
function rows(frames: FrameBatch): { id: string; nucleotide: string; protein: string }[] {
  return Array.from({ length: frames.count }, (_, i) => ({
    id: frameId(frames, i),
    nucleotide: latin1(frames.nucleotides.subarray(frames.nucleotideStarts[i], frames.nucleotideStarts[i + 1])),
    protein: latin1(frames.proteins.subarray(frames.proteinStarts[i], frames.proteinStarts[i + 1])),
  }));
}

describe('genetic code tables', () => {
  it('give the standard code for all 64 codons in both cases, and delete any codon with another letter', () => {
    expect(CODON_TABLE.size).toBe(64);
    const bytes = (codon: string): number[] => [...codon].map((ch) => ch.charCodeAt(0));
    // Forward: the pair code of the first two bytes (a 16-bit little-endian read), then the third byte.
    const forward = (codon: string): number => {
      const [b0, b1, b2] = bytes(codon) as [number, number, number];
      return CODON_AMINO[((PAIR_CODE[b0 | (b1 << 8)]! & 63) << 8) | b2]!;
    };
    // Reverse: the codon read down the forward bytes of its reverse complement x y z, from z.
    const reverse = (codon: string): number => {
      const [x, y, z] = bytes(naiveReverseComplement(codon)) as [number, number, number];
      return REVERSE_CODON_AMINO[((PAIR_CODE[y | (z << 8)]! & 63) << 8) | x]!;
    };
    for (const [codon, residue] of CODON_TABLE) {
      expect(String.fromCharCode(AMINO[[...codon].reduce((n, ch) => 4 * n + 'ACGT'.indexOf(ch), 0)]!), codon).toBe(residue);
      for (const spelled of [codon, codon.toLowerCase()]) {
        expect(String.fromCharCode(forward(spelled)), spelled).toBe(residue);
        expect(String.fromCharCode(reverse(spelled)), spelled).toBe(residue);
      }
    }
    for (const codon of ['NAA', 'ANA', 'AAN', 'UAA', 'TA-', 'RYK', 'AT ', 'T\0A']) {
      expect(forward(codon), codon).toBe(0);
      expect(reverse(codon), codon).toBe(0);
    }
  });

  it('classify stops on both strands for the one-pass stop scan', () => {
    const window = (codon: string): number => [...codon].reduce((w, ch) => (w << 3) | (BASE_CODE[ch.charCodeAt(0)]! & 7), 0);
    for (const codon of CODON_TABLE.keys()) {
      for (const spelled of [codon, codon.toLowerCase()]) {
        const expected = (CODON_TABLE.get(codon) === '*' ? 1 : 0) | (CODON_TABLE.get(naiveReverseComplement(codon)) === '*' ? 2 : 0);
        expect(STOP_CLASS[window(spelled)], spelled).toBe(expected);
      }
    }
    for (const codon of ['TAN', 'NTA', 'UAA', 'T-A', 'TRA']) expect(STOP_CLASS[window(codon)], codon).toBe(0);
    // Five bases: the classes of the three codons they hold, in phase order.
    for (const five of ['TAACG', 'CTTAG', 'GGTGA', 'TTAcT', 'NTAAN', 'ACGTA']) {
      const expected = [0, 1, 2].reduce((bits, k) => bits | (STOP_CLASS[window(five.slice(k, k + 3))]! << (2 * k)), 0);
      expect(STOP_CLASS_5[window(five)], five).toBe(expected);
    }
  });
});

describe('translateChunks against the naive string implementation', () => {
  it.each([300, 500])('keeps the same frames with the same sequences, chunk length %i, 30 seeds', (size) => {
    let kept = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const records = randomRecords(seed * 7919 + size, 25, 5000);
      const frames = translateChunkBatch(chunkRecordBatch(recordBatchOf(records), size));
      const expected = naiveIdentify(records, size);
      expect(rows(frames), `seed ${seed}`).toEqual(expected);
      kept += expected.length;
    }
    expect(kept).toBeGreaterThan(1000); // the profiles must exercise the kept path, not only stops
  });

  it('handles every read length 1..40 (empty proteins, one codon, clipped nucleotides)', () => {
    const records: TextRecord[] = [];
    for (let length = 1; length <= 40; length++) {
      records.push({ id: `gc${length}`, seq: 'GCGCCG'.repeat(7).slice(0, length) });
      records.push({ id: `amb${length}`, seq: 'GNCGRCgcu-'.repeat(4).slice(0, length) });
    }
    expect(rows(translateChunkBatch(chunkRecordBatch(recordBatchOf(records), 500)))).toEqual(naiveIdentify(records, 500));
  });

  it('gives the same answer through a reused builder that starts tiny and grows', () => {
    const builder = new FrameBuilder(1);
    for (let seed = 1; seed <= 5; seed++) {
      const chunks = chunkRecordBatch(recordBatchOf(randomRecords(seed, 60, 3000)), 300);
      const reused = translateChunks(chunks, builder);
      const fresh = translateChunks(chunks);
      expect(reused.count).toBe(fresh.count);
      for (const column of ['chunk', 'frame', 'nucleotides', 'nucleotideStarts', 'proteins', 'proteinStarts'] as const) {
        expect(
          Buffer.from(reused[column].buffer, reused[column].byteOffset, reused[column].byteLength).equals(
            Buffer.from(fresh[column].buffer, fresh[column].byteOffset, fresh[column].byteLength),
          ),
          column,
        ).toBe(true);
      }
    }
  });
});

/** Reads a six-frame TSV of the reference: chunk id, frame, kept flag, raw translation. */
function sixFrameRows(file: string): { chunk: string; frame: string; kept: boolean; translation: string }[] {
  const [header, ...lines] = referenceText('generated_from_original', file).trimEnd().split('\n');
  expect(header!.split('\t').slice(0, 3)).toEqual(['chunk_id', 'frame', 'kept']);
  const translationColumn = header!.split('\t').indexOf('translation');
  return lines.map((line) => {
    const cells = line.split('\t');
    const translation = cells[translationColumn]!;
    return { chunk: cells[0]!, frame: cells[1]!, kept: cells[2] === 'yes', translation: translation === '(empty)' ? '' : translation };
  });
}

describeShared('six frames against the original (edge_cases_six_frames.tsv, test_sequences_small_six_frames.tsv)', () => {
  it.each([
    ['edge_cases.fa', 'edge_cases_six_frames.tsv', 'generated_from_original'],
    ['test_sequences_small.fa', 'test_sequences_small_six_frames.tsv', 'broad_tests_data'],
  ])('%s: raw translations of the oracle, and the same kept frames', (input, table, folder) => {
    const records = parseFastaText(referenceText(folder, input));
    const reference = sixFrameRows(table);
    // The oracle's raw translations pin the naive implementation…
    const naive = records.flatMap((record) =>
      naiveChunks(record.seq, 500).flatMap((chunk, k) =>
        naiveSixFrames(chunk.text).map((frame) => ({
          chunk: `${record.id}_chunk_${k + 1}`,
          frame: frame.suffix,
          kept: frame.kept,
          translation: frame.translation,
        })),
      ),
    );
    expect(naive).toEqual(reference);
    // …and the kernel keeps exactly the frames the oracle marks kept, with their proteins.
    const frames = translateChunkBatch(chunkRecordBatch(recordBatchOf(records), 500));
    const keptRows = reference.filter((row) => row.kept);
    expect(rows(frames).map((row) => ({ id: row.id, protein: row.protein }))).toEqual(
      keptRows.map((row) => ({ id: row.chunk + row.frame, protein: row.translation })),
    );
    if (input === 'test_sequences_small.fa') expect(frames.count).toBe(0);
  });
});
