import { ChunkIdWriter, copyBytes } from './chunkIds.js';
import type { FrameBatch } from './frameBatch.js';
import { FRAME_SUFFIXES, type FrameTable } from './sixFrames.js';

const GT = 0x3e;
const TAB = 0x09;
const NEWLINE = 0x0a;
/** Frame suffixes as byte pairs, indexed by frame code. */
const SUFFIX_BYTES = FRAME_SUFFIXES.map((suffix) => [suffix.charCodeAt(0), suffix.charCodeAt(1)] as const);

/**
 * The texts kept frames are written as, in the original's frame order:
 * - `tsv`: `frame_id\tnucleotide\tprotein\n` per frame, no header (`virnucpro translate`'s default);
 * - `fasta-nucleotide`: the original's `<input>_identified_nucleotide.fa`, `>frame_id\n` + one-line sequence;
 * - `fasta-protein`: the original's `<input>_identified_protein.faa`, likewise.
 */
export const FRAME_TEXT_FORMATS = ['tsv', 'fasta-nucleotide', 'fasta-protein'] as const;
export type FrameTextFormat = (typeof FRAME_TEXT_FORMATS)[number];

/** Which sequence of a kept frame a FASTA file holds: the original writes one file of each. */
export type FrameSequence = 'nucleotide' | 'protein';

/** Kept frames as TSV (see {@link FRAME_TEXT_FORMATS}). One Buffer per batch; no header (the CLI writes it once). */
export function formatFramesTsv(batch: FrameBatch): Buffer {
  return formatFrames(batch, 'tsv');
}

/** Kept frames as the original's nucleotide or protein FASTA (see {@link FRAME_TEXT_FORMATS}), unwrapped. */
export function formatFramesFasta(batch: FrameBatch, sequence: FrameSequence): Buffer {
  return formatFrames(batch, sequence === 'nucleotide' ? 'fasta-nucleotide' : 'fasta-protein');
}

/** Kept frames as `format`, on the calling thread (the translate workers write the same bytes with {@link writeFrameText}). */
export function formatFrames(batch: FrameBatch, format: FrameTextFormat): Buffer {
  const { count, chunk } = batch;
  const ids = ChunkIdWriter.forChunks(batch.chunks, chunk[0] ?? 0, count === 0 ? -1 : chunk[count - 1]!);
  const out = Buffer.allocUnsafe(frameTextLength(batch, ids, format));
  writeFrameText(batch, ids, format, out, 0);
  return out;
}

/** Bytes {@link writeFrameText} writes for `table` as `format`. */
export function frameTextLength(table: FrameTable, ids: ChunkIdWriter, format: FrameTextFormat): number {
  const { count, chunk } = table;
  // Per frame besides the id and sequences: the 2-byte suffix and the separators ('\t\t\n', or '>\n\n').
  let size =
    format === 'tsv'
      ? table.nucleotides.length + table.proteins.length + 5 * count
      : (format === 'fasta-nucleotide' ? table.nucleotides.length : table.proteins.length) + 5 * count;
  for (let i = 0; i < count; i++) size += ids.length(chunk[i]!);
  return size;
}

/**
 * Writes `table`'s frames as `format` into `out` from `at` (which must hold {@link frameTextLength} bytes);
 * returns the end. TSV and FASTA differ only in separators.
 */
export function writeFrameText(table: FrameTable, ids: ChunkIdWriter, format: FrameTextFormat, out: Uint8Array, at: number): number {
  const { count, chunk, frame, nucleotides, nucleotideStarts, proteins, proteinStarts } = table;
  const tsv = format === 'tsv';
  const withNucleotide = format !== 'fasta-protein';
  const withProtein = format !== 'fasta-nucleotide';
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
  return at;
}
