import type { ChunkSpans } from './chunkBatch.js';
import { COMPLEMENT_UPPER, DELETED, PAIR_LOWER_CASE, TABLE_BYTES_AT, TABLES, UPPER } from './geneticCode.js';

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
/** Initial frame slots of a builder; it doubles as needed (13 bytes of columns per slot). */
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
  /** Writes two nucleotides at a time (reverse complements); replaced with `nucleotides`. */
  nucleotideWriter: DataView;
  proteins: Uint8Array;

  /** @param expectedBases bases of a typical batch: sizes the first sequence buffers */
  constructor(expectedBases = 1 << 16) {
    this.nucleotides = new Uint8Array(expectedBases);
    this.nucleotideWriter = new DataView(this.nucleotides.buffer);
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
      this.nucleotideWriter = new DataView(this.nucleotides.buffer);
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
 * Work skipped for frames that are not kept: one pass over the chunk finds which frames contain a stop
 * (all six strands at once, stopping as soon as every frame has one), and only the other frames are
 * translated and have their nucleotides copied. Case and ambiguity are handled by lookup tables, so the
 * chunk is never upper-cased or reverse-complemented as a whole.
 *
 * Bytes are read several at a time through a DataView (one 16-bit read and one lookup classify two bases):
 * V8 compiles every typed-array element access to checks and loads, and the kernel's cost is in those
 * accesses (docs/adr/0006-translate-throughput.md). Reads never go past a chunk's last base.
 */
export function translateChunks(chunks: ChunkSpans, builder = new FrameBuilder(chunks.bases.length)): FrameTable {
  builder.reset();
  const { bases, starts, ends, count } = chunks;
  const reader = new DataView(bases.buffer, bases.byteOffset, bases.byteLength);
  for (let c = 0; c < count; c++) {
    const start = starts[c]!;
    const end = ends[c]!;
    builder.reserve(end - start);
    translateChunk(bases, reader, start, end, c, builder);
  }
  return builder.table();
}

/**
 * Appends the kept frames of chunk `chunk` = bases[start, end). The builder's columns are read into locals
 * once per chunk (after `reserve`, which may reallocate them): the loops below are the hot path.
 */
function translateChunk(bases: Uint8Array, reader: DataView, start: number, end: number, chunk: number, builder: FrameBuilder): void {
  const stops = stopMask(bases, reader, start, end);
  if (stops === ALL_FRAMES_STOP) return;
  const lowerCase = (stops & SAW_LOWER_CASE) !== 0;
  const { proteins, nucleotides, nucleotideWriter, nucleotideStarts, proteinStarts, chunk: chunks, frame: frameCodes } = builder;
  let frames = builder.count;
  let proteinEnd = proteinStarts[frames]!;
  let nucleotideEnd = nucleotideStarts[frames]!;
  for (let frame = 0; frame < FRAMES; frame++) {
    const forward = frame < 3;
    const shift = forward ? frame : frame - 3;
    if (frameHasStop(stops, forward, shift, end - start)) continue;
    const residuesEnd = forward
      ? forwardProtein(bases, reader, start + shift, end, proteins, proteinEnd)
      : reverseProtein(bases, reader, start, end - shift, proteins, proteinEnd);
    if (residuesEnd === proteinEnd) continue; // no residue (every codon ambiguous, or none): not kept
    // The original slices strand[shift, shift + 3P + 1) by the protein length P, even when ambiguous
    // codons were deleted: it then keeps those and loses bases at the end.
    const length = Math.min(3 * (residuesEnd - proteinEnd) + 1, end - start - shift);
    nucleotideEnd = forward
      ? copyUpper(bases, start + shift, length, nucleotides, nucleotideEnd, lowerCase)
      : copyReverseComplement(bases, reader, end - shift, length, nucleotides, nucleotideWriter, nucleotideEnd);
    proteinEnd = residuesEnd;
    chunks[frames] = chunk;
    frameCodes[frames] = frame;
    frames += 1;
    nucleotideStarts[frames] = nucleotideEnd;
    proteinStarts[frames] = proteinEnd;
  }
  builder.count = frames;
}

/** {@link stopMask} when every frame has a stop: the chunk keeps nothing. */
const ALL_FRAMES_STOP = 0b111111;
/** {@link stopMask} bit set when the chunk holds a lower-case letter (valid unless every frame stops). */
const SAW_LOWER_CASE = 0b1000000;

/**
 * Which frames of bases[start, end) contain a stop codon, in one pass over the bytes: bit 2·φ is set when
 * a forward codon starting at a chunk offset ≡ φ (mod 3) is a stop (frame F(φ+1)), bit 2·φ + 1 when the
 * reverse complement of such a codon is one; that codon belongs to reverse frame R(r+1) with
 * r ≡ length − φ (mod 3). Returns {@link ALL_FRAMES_STOP} as soon as every frame has a stop; otherwise the
 * whole chunk was read and {@link SAW_LOWER_CASE} says whether it needs upper-casing.
 *
 * Twelve bases per step while they last (three 32-bit reads, six pair codes, four windows of five base
 * codes, each giving the stop classes of three codons: {@link STOP_CLASS_5}), then six, then one at a time.
 * Fewer, wider steps halve the instructions per base of a one-base loop (ADR 0006).
 */
function stopMask(bases: Uint8Array, reader: DataView, start: number, end: number): number {
  if (end - start < 3) return 0;
  const t = TABLES,
    stopClass5 = TABLE_BYTES_AT.stopClass5,
    baseCode = TABLE_BYTES_AT.baseCode,
    stopClass = TABLE_BYTES_AT.stopClass;
  const head = t[reader.getUint16(start, true)]!;
  // Window: the codes of the last two bases (6 bits), then five (15 bits) after each step's update.
  let window = head & 63;
  let seen = head;
  let mask = 0;
  let i = start + 2;
  for (; i + 12 <= end; i += 12) {
    const w0 = reader.getUint32(i, true),
      w1 = reader.getUint32(i + 4, true),
      w2 = reader.getUint32(i + 8, true);
    const p0 = t[w0 & 0xffff]!,
      p1 = t[w0 >>> 16]!,
      p2 = t[w1 & 0xffff]!,
      p3 = t[w1 >>> 16]!,
      p4 = t[w2 & 0xffff]!,
      p5 = t[w2 >>> 16]!;
    seen |= p0 | p1 | p2 | p3 | p4 | p5;
    window = ((window << 9) | ((p0 & 63) << 3) | ((p1 >> 3) & 7)) & 0x7fff;
    mask |= t[stopClass5 + window]!;
    window = ((window << 9) | ((p1 & 7) << 6) | (p2 & 63)) & 0x7fff;
    mask |= t[stopClass5 + window]!;
    window = ((window << 9) | ((p3 & 63) << 3) | ((p4 >> 3) & 7)) & 0x7fff;
    mask |= t[stopClass5 + window]!;
    window = ((window << 9) | ((p4 & 7) << 6) | (p5 & 63)) & 0x7fff;
    mask |= t[stopClass5 + window]!;
    if (mask === ALL_FRAMES_STOP) return mask;
  }
  if (i + 6 <= end) {
    const w = reader.getUint32(i, true);
    const p0 = t[w & 0xffff]!,
      p1 = t[w >>> 16]!,
      p2 = t[reader.getUint16(i + 4, true)]!;
    seen |= p0 | p1 | p2;
    window = ((window << 9) | ((p0 & 63) << 3) | ((p1 >> 3) & 7)) & 0x7fff;
    mask |= t[stopClass5 + window]!;
    window = ((window << 9) | ((p1 & 7) << 6) | (p2 & 63)) & 0x7fff;
    mask |= t[stopClass5 + window]!;
    i += 6;
  }
  // Up to five bases: the codons they end start at phases 0, 1, 2, 0, 1.
  window &= 63;
  for (let shift = 0; i < end; i++, shift = shift === 4 ? 0 : shift + 2) {
    const c = t[baseCode + bases[i]!]!;
    seen |= c << 3; // LOWER_CASE << 3 is PAIR_LOWER_CASE
    window = ((window << 3) | (c & 7)) & 511;
    mask |= t[stopClass + window]! << shift;
  }
  return (seen & PAIR_LOWER_CASE) === 0 ? mask : mask | SAW_LOWER_CASE;
}

/** Reads frame (`forward`, `shift`) of a chunk of `length` bases out of a {@link stopMask}. */
function frameHasStop(stops: number, forward: boolean, shift: number, length: number): boolean {
  // Reverse frame `shift` reads the forward codons starting at offsets ≡ length − shift (mod 3).
  const bit = forward ? 2 * shift : 2 * ((length - shift + 3) % 3) + 1;
  return ((stops >> bit) & 1) === 1;
}

/**
 * Translates the codons at `from`, `from + 3`, … before `end` into `out` from `at` (a frame {@link stopMask}
 * found free of stops); codons with other letters than A/C/G/T are left out. Returns the protein's end.
 * The tables and constants are read into locals: an imported binding costs a load and a hole check per use
 * inside the loop, and this is the loop of every kept frame.
 */
function forwardProtein(bases: Uint8Array, reader: DataView, from: number, end: number, out: Uint8Array, at: number): number {
  const t = TABLES,
    codonAmino = TABLE_BYTES_AT.codonAmino,
    deleted = DELETED;
  let n = at;
  for (let p = from; p + 3 <= end; p += 3) {
    const residue = t[codonAmino + (((t[reader.getUint16(p, true)]! & 63) << 8) | bases[p + 2]!)]!;
    if (residue !== deleted) out[n++] = residue;
  }
  return n;
}

/** Like {@link forwardProtein} on the reverse complement of bases[start, end), which starts at end − 1. */
function reverseProtein(bases: Uint8Array, reader: DataView, start: number, end: number, out: Uint8Array, at: number): number {
  const t = TABLES,
    codonAmino = TABLE_BYTES_AT.reverseCodonAmino,
    deleted = DELETED;
  let n = at;
  for (let p = end - 1; p - 2 >= start; p -= 3) {
    const residue = t[codonAmino + (((t[reader.getUint16(p - 1, true)]! & 63) << 8) | bases[p - 2]!)]!;
    if (residue !== deleted) out[n++] = residue;
  }
  return n;
}

/** Copies bases[from, from + length) upper-cased to `out` at `at`; returns the end. Upper-case input is copied natively. */
function copyUpper(bases: Uint8Array, from: number, length: number, out: Uint8Array, at: number, lowerCase: boolean): number {
  if (!lowerCase) {
    out.set(bases.subarray(from, from + length), at);
    return at + length;
  }
  const upper = UPPER;
  for (let p = from; p < from + length; p++) out[at++] = upper[bases[p]!]!;
  return at;
}

/**
 * Copies the first `length` bases of the reverse complement of bases[…, end) to `out` at `at`, two bases per
 * 16-bit read and write; returns the end.
 */
function copyReverseComplement(
  bases: Uint8Array,
  reader: DataView,
  end: number,
  length: number,
  out: Uint8Array,
  writer: DataView,
  at: number,
): number {
  const complement = COMPLEMENT_UPPER;
  const stop = end - length;
  let p = end - 1;
  for (; p - 1 >= stop; p -= 2, at += 2) {
    const pair = reader.getUint16(p - 1, true); // b[p − 1] | b[p] << 8, written as complement(b[p]), complement(b[p − 1])
    writer.setUint16(at, complement[pair >> 8]! | (complement[pair & 0xff]! << 8), true);
  }
  if (p >= stop) out[at++] = complement[bases[p]!]!;
  return at;
}
