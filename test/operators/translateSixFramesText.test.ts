import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { OperatorFunction } from 'rxjs';
import { chunkReads } from '../../operators/chunkReads.js';
import { readFasta } from '../../operators/readFasta.js';
import { translateSixFrames } from '../../operators/translateSixFrames.js';
import { translateSixFramesText } from '../../operators/translateSixFramesText.js';
import type { RecordBatch } from '../../src/fasta/recordBatch.js';
import { Credit, type Leased } from '../../src/flow/credit.js';
import { consumeBatches } from '../../src/flow/sink.js';
import type { ChunkBatch } from '../../src/sequence/chunkBatch.js';
import { FRAME_TEXT_FORMATS, formatFrames } from '../../src/sequence/formatFrames.js';
import type { FrameTextBatch } from '../../src/sequence/frameBatch.js';
import { describeShared, sharedPath } from '../support/shared.js';
import { creditedRecordSource, osThreads, randomRecords, recordBatchOf, referenceText } from '../sequence/helpers.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const itLinux = osThreads() === undefined ? it.skip : it;

/** Record batches as the reader makes them: each owns its buffer. Ids include Latin-1/UTF-8 header bytes. */
function ownedBatches(count: number, seed = 900): RecordBatch[] {
  return Array.from({ length: count }, (_, i) => {
    const records = randomRecords(seed + i, 30, 1500).map((record, r) => (r % 4 === 0 ? { ...record, id: `${record.id}|é` } : record));
    return { ...recordBatchOf(records), ownsBases: true };
  });
}

/** The text the calling thread writes for the same batches (translateSixFrames + formatFrames). */
async function mainThreadText(
  batches: readonly RecordBatch[],
  chunkLength: 300 | 500,
  maxBatchChunks?: number,
): Promise<Record<string, string>> {
  const texts: Record<string, string> = Object.fromEntries(FRAME_TEXT_FORMATS.map((format) => [format, '']));
  const { source } = creditedRecordSource(
    batches.map((batch) => ({ ...batch, ownsBases: false })),
    new Credit(1 << 24),
  );
  await consumeBatches(
    source.pipe(chunkReads({ chunkLength, ...(maxBatchChunks ? { maxBatchChunks } : {}) }), translateSixFrames({ threads: 1 })),
    (batch) => {
      for (const format of FRAME_TEXT_FORMATS) texts[format] += formatFrames(batch, format).toString('latin1');
    },
  );
  return texts;
}

describe('translateSixFramesText', () => {
  // libuv starts its thread pool on first use: start it now, so it is not counted as the operator's threads.
  beforeAll(() => readFile(fileURLToPath(import.meta.url)));

  itLinux('reads nothing and starts no thread before subscribe', async () => {
    const before = osThreads()!;
    const { source, opened } = creditedRecordSource(ownedBatches(2), new Credit(1 << 20));
    const text = source.pipe(chunkReads(), translateSixFramesText({ formats: ['tsv'], threads: 2 }));
    await delay(20);
    expect(opened()).toBe(0);
    expect(osThreads()).toBe(before);
    let batches = 0;
    await consumeBatches(text, () => void (batches += 1));
    expect(batches).toBe(2);
  });

  it.each([
    ['moved', true, 500, undefined],
    ['copied', false, 300, undefined],
    ['split into parts (copied even when told to move)', true, 300, 7],
  ] as const)(
    'writes on the workers exactly the bytes the calling thread writes, in every format: bases %s',
    async (_, transferBases, chunkLength, maxBatchChunks) => {
      const expected = await mainThreadText(ownedBatches(8), chunkLength, maxBatchChunks);
      const inputs = ownedBatches(8);
      const { source } = creditedRecordSource(inputs, new Credit(1 << 24));
      const texts: Record<string, string> = Object.fromEntries(FRAME_TEXT_FORMATS.map((format) => [format, '']));
      let frames = 0;
      const chunks = chunkReads({ chunkLength, ...(maxBatchChunks ? { maxBatchChunks } : {}) });
      await consumeBatches(
        source.pipe(chunks, translateSixFramesText({ formats: [...FRAME_TEXT_FORMATS].reverse(), threads: 2, transferBases })),
        (batch) => {
          frames += batch.count;
          for (const format of FRAME_TEXT_FORMATS) texts[format] += Buffer.from(batch.text[format]).toString('latin1');
        },
      );
      expect(texts).toEqual(expected);
      expect(frames).toBe(expected['tsv']!.split('\n').length - 1);
      expect(frames).toBeGreaterThan(100);
      // Moved buffers are detached here; copied ones (and every part of a split batch) keep their bytes.
      const detached = transferBases && maxBatchChunks === undefined;
      for (const batch of inputs) expect(batch.bases.buffer.byteLength === 0).toBe(detached);
    },
  );

  it('keeps the credit within its capacity behind a slow consumer, and releases it all', async () => {
    const capacity = 40_000;
    const credit = new Credit(capacity);
    const { source } = creditedRecordSource(ownedBatches(16), credit);
    let batches = 0;
    await consumeBatches(
      source.pipe(
        chunkReads({ chunkLength: 300, maxBatchChunks: 20 }),
        translateSixFramesText({ formats: ['tsv'], threads: 2, transferBases: true }),
      ),
      async () => {
        expect(credit.used).toBeLessThanOrEqual(capacity);
        batches += 1;
        await delay(2);
      },
    );
    expect(batches).toBeGreaterThan(16);
    expect(credit.peak).toBeLessThanOrEqual(capacity);
    expect(credit.peak).toBeGreaterThan(capacity / 2);
    expect(credit.used).toBe(0);
  });

  it('validates its options at once, naming them, and types its output by the formats asked for', () => {
    expect(() => translateSixFramesText({ formats: [] })).toThrow(
      /options\.formats must be a non-empty list of tsv, fasta-nucleotide, fasta-protein/,
    );
    // @ts-expect-error not a format
    expect(() => translateSixFramesText({ formats: ['csv'] })).toThrow(/options\.formats/);
    // @ts-expect-error formats are required
    expect(() => translateSixFramesText({})).toThrow(/options\.formats/);
    expect(() => translateSixFramesText({ formats: ['tsv'], threads: 0 })).toThrow(/options\.threads must be an integer >= 1/);
    // @ts-expect-error a boolean
    expect(() => translateSixFramesText({ formats: ['tsv'], transferBases: 'yes' })).toThrow(/options\.transferBases must be a boolean/);
    expectTypeOf(translateSixFramesText({ formats: ['tsv', 'fasta-protein'] })).toEqualTypeOf<
      OperatorFunction<ChunkBatch & Leased, FrameTextBatch<'tsv' | 'fasta-protein'> & Leased>
    >();
  });
});

describeShared('readFasta → chunkReads → translateSixFramesText against the original files', () => {
  it.each([
    ['generated_from_original', 'edge_cases'],
    ['broad_tests_data', 'test_with_orfs'],
  ])("%s/%s: identified nucleotide and protein FASTA, byte for byte, the reader's buffers moved", async (folder, stem) => {
    const text = readFasta(sharedPath('reference', folder, `${stem}.fa`), { batchRecords: 3 }).pipe(
      chunkReads(),
      translateSixFramesText({ formats: ['fasta-nucleotide', 'fasta-protein'], threads: 2, transferBases: true }),
    );
    let nucleotide = '';
    let protein = '';
    await consumeBatches(text, (batch) => {
      nucleotide += Buffer.from(batch.text['fasta-nucleotide']).toString('latin1');
      protein += Buffer.from(batch.text['fasta-protein']).toString('latin1');
    });
    expect(nucleotide).toBe(referenceText(folder, `${stem}_identified_nucleotide.fa`));
    expect(protein).toBe(referenceText(folder, `${stem}_identified_protein.faa`));
  });
});
