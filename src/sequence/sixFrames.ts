import type { ChunkSpans } from './chunkBatch.js';
import {
  AMINO, COMPLEMENT_UPPER, DELETED, FIRST, RC_FIRST, RC_SECOND, RC_THIRD, SECOND, STOP, THIRD, UPPER,
} from './geneticCode.js';

/** Frame codes 0..5 in the original's order, and the suffix each adds to the chunk id. */
export const FRAME_SUFFIXES = ['F1', 'F2', 'F3', 'R1', 'R2', 'R3'] as const;
export type FrameSuffix = (typeof FRAME_SUFFIXES)[number];

/**
 * The kept frames of a chunk batch, columnar: frame i belongs to chunk `chunk[i]` of its batch, has frame
 * code `frame[i]` (index into {@link FRAME_SUFFIXES}), nucleotides `nucleotides[nucleotideStarts[i],
 * nucleotideStarts[i + 1])` and protein `proteins[proteinStarts[i], proteinStarts[i + 1])` (ASCII, upper case).
 * Frames are in the original's order: chunk order, then F1..R3.
 */
export interface FrameTable {
  readonly count: number;
  readonly chunk: Uint32Array;
  readonly frame: Uint8Array;
  readonly nucleotides: Uint8Array;
  /** Length `count + 1`. */
  readonly nucleotideStarts: Uint32Array;
  readonly proteins: Uint8Array;
  /** Length `count + 1`. */
  readonly proteinStarts: Uint32Array;
}

/** Frames a chunk can keep at most. */
const FRAMES = 6;
/** Initial frame slots of a builder; it doubles as needed (17 bytes per slot). */
const INITIAL_FRAME_SLOTS = 1024;

/**
 * Growable columns the kernel appends kept frames to. A worker keeps one and calls {@link reset} per batch,
 * so steady-state translation allocates nothing but its result.
 */
export class FrameBuilder {
  count = 0;
  chunk = new Uint32Array(INITIAL_FRAME_SLOTS);
  frame = new Uint8Array(INITIAL_FRAME_SLOTS);
  nucleotideStarts = new Uint32Array(INITIAL_FRAME_SLOTS + 1);
  proteinStarts = new Uint32Array(INITIAL_FRAME_SLOTS + 1);
  nucleotides: Uint8Array;
  proteins: Uint8Array;

  /** @param expectedBases bases of a typical batch: sizes the first sequence buffers */
  constructor(expectedBases = 1 << 16) {
    this.nucleotides = new Uint8Array(expectedBases);
    this.proteins = new Uint8Array(Math.ceil(expectedBases / 3));
  }

  reset(): void {
    this.count = 0;
  }

  /** Makes room for the six frames of a chunk of `length` bases (3P + 1 ≤ length + 1 bases, P ≤ length / 3 residues). */
  reserve(length: number): void {
    if (this.count + FRAMES >= this.chunk.length) {
      const slots = this.chunk.length * 2;
      this.chunk = grow(this.chunk, slots, this.count);
      this.frame = grow(this.frame, slots, this.count);
      this.nucleotideStarts = grow(this.nucleotideStarts, slots + 1, this.count + 1);
      this.proteinStarts = grow(this.proteinStarts, slots + 1, this.count + 1);
    }
    const nucleotideEnd = this.nucleotideStarts[this.count]!;
    if (nucleotideEnd + FRAMES * (length + 1) > this.nucleotides.length) {
      this.nucleotides = grow(this.nucleotides, 2 * (nucleotideEnd + FRAMES * (length + 1)), nucleotideEnd);
    }
    const proteinEnd = this.proteinStarts[this.count]!;
    if (proteinEnd + 2 * length > this.proteins.length) {
      this.proteins = grow(this.proteins, 2 * (proteinEnd + 2 * length), proteinEnd);
    }
  }

  /** The frames appended since {@link reset}, as views on the builder's buffers (valid until the next reset). */
  table(): FrameTable {
    const n = this.count;
    return {
      count: n,
      chunk: this.chunk.subarray(0, n),
      frame: this.frame.subarray(0, n),
      nucleotides: this.nucleotides.subarray(0, this.nucleotideStarts[n]),
      nucleotideStarts: this.nucleotideStarts.subarray(0, n + 1),
      proteins: this.proteins.subarray(0, this.proteinStarts[n]),
      proteinStarts: this.proteinStarts.subarray(0, n + 1),
    };
  }
}

function grow<A extends Uint8Array | Uint32Array>(array: A, length: number, used: number): A {
  const bigger = new (array.constructor as new (length: number) => A)(length);
  bigger.set(array.subarray(0, used));
  return bigger;
}

/**
 * Six-frame identification of every chunk (spec sections 3-4): appends each chunk's kept frames (protein
 * without `*` and not empty) to `builder`, with the original's nucleotide slice, upper-cased.
 *
 * Work skipped for frames that are not kept: translation stops at the first stop codon (the residues
 * already written are dropped), and no nucleotide is copied. Case and ambiguity are handled by the lookup
 * tables, so the chunk is never upper-cased or reverse-complemented as a whole.
 */
export function translateChunks(chunks: ChunkSpans, builder = new FrameBuilder(chunks.bases.length)): FrameTable {
  builder.reset();
  const { bases, starts, ends, count } = chunks;
  for (let c = 0; c < count; c++) {
    const start = starts[c]!;
    const end = ends[c]!;
    builder.reserve(end - start);
    for (let f = 0; f < 3; f++) {
      const proteinStart = builder.proteinStarts[builder.count]!;
      const proteinEnd = forwardProtein(bases, start + f, end, builder.proteins, proteinStart);
      if (proteinEnd > proteinStart) keepForward(builder, c, f, bases, start + f, end, proteinEnd);
    }
    for (let f = 0; f < 3; f++) {
      const proteinStart = builder.proteinStarts[builder.count]!;
      const proteinEnd = reverseProtein(bases, start, end - f, builder.proteins, proteinStart);
      if (proteinEnd > proteinStart) keepReverse(builder, c, f, bases, start, end - f, proteinEnd);
    }
  }
  return builder.table();
}

/**
 * Translates the codons at `from`, `from + 3`, … before `end` into `out` from `at`. Returns the end of the
 * protein, or -1 at the first stop codon.
 */
function forwardProtein(bases: Uint8Array, from: number, end: number, out: Uint8Array, at: number): number {
  let n = at;
  for (let p = from; p + 3 <= end; p += 3) {
    const residue = AMINO[FIRST[bases[p]!]! | SECOND[bases[p + 1]!]! | THIRD[bases[p + 2]!]!]!;
    if (residue === DELETED) continue;
    if (residue === STOP) return -1;
    out[n++] = residue;
  }
  return n;
}

/** Like {@link forwardProtein} on the reverse complement of bases[start, end), which starts at end − 1. */
function reverseProtein(bases: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  let n = at;
  for (let p = end - 1; p - 2 >= start; p -= 3) {
    const residue = AMINO[RC_FIRST[bases[p]!]! | RC_SECOND[bases[p - 1]!]! | RC_THIRD[bases[p - 2]!]!]!;
    if (residue === DELETED) continue;
    if (residue === STOP) return -1;
    out[n++] = residue;
  }
  return n;
}

/**
 * Records a kept forward frame. Its nucleotide is seq[f, f + 3P + 1) clipped to the chunk, P residues: the
 * original slices by P even when ambiguous codons were deleted, keeping those and losing bases at the end.
 */
function keepForward(builder: FrameBuilder, chunk: number, f: number, bases: Uint8Array, from: number, end: number, proteinEnd: number): void {
  const i = builder.count;
  const residues = proteinEnd - builder.proteinStarts[i]!;
  const length = Math.min(3 * residues + 1, end - from);
  const out = builder.nucleotides;
  let at = builder.nucleotideStarts[i]!;
  for (let p = from; p < from + length; p++) out[at++] = UPPER[bases[p]!]!;
  finishFrame(builder, chunk, f, at, proteinEnd);
}

/** Records a kept reverse frame: revcomp[f, f + 3P + 1), read downwards from forward byte `end − 1`. */
function keepReverse(builder: FrameBuilder, chunk: number, f: number, bases: Uint8Array, start: number, end: number, proteinEnd: number): void {
  const i = builder.count;
  const residues = proteinEnd - builder.proteinStarts[i]!;
  const length = Math.min(3 * residues + 1, end - start);
  const out = builder.nucleotides;
  let at = builder.nucleotideStarts[i]!;
  for (let p = end - 1; p >= end - length; p--) out[at++] = COMPLEMENT_UPPER[bases[p]!]!;
  finishFrame(builder, chunk, 3 + f, at, proteinEnd);
}

function finishFrame(builder: FrameBuilder, chunk: number, frame: number, nucleotideEnd: number, proteinEnd: number): void {
  const i = builder.count++;
  builder.chunk[i] = chunk;
  builder.frame[i] = frame;
  builder.nucleotideStarts[i + 1] = nucleotideEnd;
  builder.proteinStarts[i + 1] = proteinEnd;
}
