import { ChunkIdWriter, copyBytes } from './chunkIds.js';
import type { FrameBatch } from './frameBatch.js';
import { FRAME_SUFFIXES } from './sixFrames.js';

const GT = 0x3e;
const TAB = 0x09;
const NEWLINE = 0x0a;
/** Frame suffixes as byte pairs, indexed by frame code. */
const SUFFIX_BYTES = FRAME_SUFFIXES.map((suffix) => [suffix.charCodeAt(0), suffix.charCodeAt(1)] as const);

/** Which sequence of a kept frame a FASTA file holds: the original writes one file of each. */
export type FrameSequence = 'nucleotide' | 'protein';

/**
 * Kept frames as TSV, `frame_id\tnucleotide\tprotein\n` per frame, in the original's order. One Buffer per
 * batch; no header (the CLI writes it once).
 */
export function formatFramesTsv(batch: FrameBatch): Buffer {
  return formatFrames(batch, true, true);
}

/**
 * Kept frames as the original's `<input>_identified_nucleotide.fa` or `_identified_protein.faa`:
 * `>frame_id\n` then the whole sequence on one line (the original writes them unwrapped).
 */
export function formatFramesFasta(batch: FrameBatch, sequence: FrameSequence): Buffer {
  return formatFrames(batch, sequence === 'nucleotide', sequence === 'protein');
}

/** TSV when both sequences are wanted, FASTA when one is: the two formats differ only in separators. */
function formatFrames(batch: FrameBatch, withNucleotide: boolean, withProtein: boolean): Buffer {
  const { count, chunk, frame, nucleotides, nucleotideStarts, proteins, proteinStarts } = batch;
  const tsv = withNucleotide && withProtein;
  const ids = new ChunkIdWriter(batch.chunks, chunk[0] ?? 0, count === 0 ? -1 : chunk[count - 1]!);
  // Per frame besides the id and sequences: the 2-byte suffix and 3 separators ('\t\t\n', or '>\n\n').
  let size = (withNucleotide ? nucleotides.length : 0) + (withProtein ? proteins.length : 0) + count * 5;
  for (let i = 0; i < count; i++) size += ids.length(chunk[i]!);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (!tsv) out[at++] = GT;
    at = ids.write(out, at, chunk[i]!);
    const [first, second] = SUFFIX_BYTES[frame[i]!]!;
    out[at++] = first;
    out[at++] = second;
    out[at++] = tsv ? TAB : NEWLINE;
    if (withNucleotide) {
      at = copyBytes(out, at, nucleotides, nucleotideStarts[i]!, nucleotideStarts[i + 1]!);
      out[at++] = tsv ? TAB : NEWLINE;
    }
    if (withProtein) {
      at = copyBytes(out, at, proteins, proteinStarts[i]!, proteinStarts[i + 1]!);
      out[at++] = NEWLINE;
    }
  }
  return out;
}
