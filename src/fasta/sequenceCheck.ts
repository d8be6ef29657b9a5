import { BYTE_BINARY, BYTE_SPACE, SEQUENCE_BYTE_CLASS, sequenceClasses } from './alphabet.js';
import { binaryByteError } from './fastaErrors.js';
import type { FastaStats } from './fastaStats.js';
import type { RecordBatch } from './recordBatch.js';
import { PROTEIN_BYTE_CLASS, type SequenceAlphabet } from './sequenceAlphabet.js';

/**
 * Checks every sequence byte of a freshly cut batch, in one table pass over the whole batch (the common
 * case: nothing to do). Only when something is off does it walk the records: it removes spaces, tabs and
 * '\r' left inside lines, counts characters outside the IUPAC codes into `stats`, and throws FASTA_BINARY on a
 * control byte. The batch's bytes are its own (just cut), so cleaning happens in place.
 */
export function checkBatchSequences(batch: RecordBatch, stats: FastaStats, alphabet: SequenceAlphabet = 'nucleotide'): RecordBatch {
  // Protein input always takes the byte walk: it is only read to be embedded, where the model dominates.
  if (alphabet === 'protein') return cleanBatch(batch, stats, PROTEIN_BYTE_CLASS);
  if (sequenceClasses(batch.bases) === 0) return batch;
  return cleanBatch(batch, stats, SEQUENCE_BYTE_CLASS);
}

function cleanBatch(batch: RecordBatch, stats: FastaStats, byteClass: Uint8Array): RecordBatch {
  const { bases, starts, count } = batch;
  const cleanStarts = new Uint32Array(count + 1);
  let at = 0;
  for (let r = 0; r < count; r++) {
    const start = starts[r]!;
    const end = starts[r + 1]!;
    let odd = 0;
    for (let i = start; i < end; i++) {
      const byte = bases[i]!;
      const cls = byteClass[byte]!;
      if (cls & BYTE_SPACE) continue;
      if (cls & BYTE_BINARY) {
        throw binaryByteError(byte, `in the sequence (byte ${i - start + 1} of the record's sequence)`, {
          file: batch.source,
          line: batch.headerLines[r]!,
          recordId: batch.ids[r]!,
        });
      }
      if (cls !== 0) {
        if (stats.firstNonIupac === undefined) {
          stats.firstNonIupac = {
            id: batch.ids[r]!,
            line: batch.headerLines[r]!,
            letter: String.fromCharCode(byte),
            offset: at - cleanStarts[r]!,
          };
        }
        odd += 1;
      }
      bases[at++] = byte;
    }
    if (odd > 0) {
      stats.nonIupacLetters += odd;
      stats.nonIupacRecords += 1;
    }
    cleanStarts[r + 1] = at;
  }
  return { ...batch, bases: bases.subarray(0, at), starts: cleanStarts };
}
