import { VirnucproError } from '../errors.js';
import { basesSpan, type ChunkBatch, type ChunkSpans } from './chunkBatch.js';
import { idBytes } from '../fasta/recordIds.js';
import { ChunkIdWriter } from './chunkIds.js';
import { FRAME_TEXT_FORMATS, frameTextLength, writeFrameText, type FrameTextFormat } from './formatFrames.js';
import type { FrameTable } from './sixFrames.js';

/**
 * The messages of the translate worker. Every buffer is one the sender allocated itself (never a slice of
 * Node's Buffer pool, which cannot be transferred) and passes in the transfer list.
 *
 * Task (main → worker): `{ tables, bases }`.
 * - `bases`: either the chunk batch's own buffer, moved as it is (when the caller gives it up: no copy), or a
 *   fresh copy of only the bases the chunks cover (chunks of a read overlap, so this is smaller than copying
 *   each chunk).
 * - `tables`: u32 [magic, formats, count, basesOffset, basesLength, records, idBytes], u32 starts[count],
 *   u32 ends[count] (offsets into the `basesLength` bytes at `basesOffset`). When `formats` (a bit per
 *   {@link FRAME_TEXT_FORMATS} entry) is not 0, the chunk names follow for the worker to write ids with:
 *   u32 recordIndex[count] (from the batch's first record), u32 chunkNumber[count], u32 idStarts[records + 1],
 *   u8 ids[idBytes] (Latin-1, the header bytes).
 *
 * Reply (worker → main), one ArrayBuffer:
 * - frames (formats 0): u32 [magic, count, nucleotideBytes, proteinBytes], u32 chunk[count],
 *   u32 nucleotideStarts[count + 1], u32 proteinStarts[count + 1], u8 frame[count], u8 nucleotides, u8 proteins;
 * - texts: u32 [magic, count, bytes of each format asked for, in FRAME_TEXT_FORMATS order], then those texts.
 */
export interface TranslateTask {
  readonly tables: ArrayBuffer;
  readonly bases: ArrayBuffer;
}

/** Tags that catch a buffer of the wrong kind (or a stale build of the worker) before it is misread. */
const TASK_MAGIC = 0x564e4332; // "VNC2"
const FRAMES_MAGIC = 0x564e4631; // "VNF1"
const TEXTS_MAGIC = 0x564e5431; // "VNT1"
const U32 = 4;
const TASK_HEADER_WORDS = 7;

/** Bit of each text format in a task's `formats` word. */
function formatBits(formats: readonly FrameTextFormat[]): number {
  let bits = 0;
  for (const format of formats) bits |= 1 << FRAME_TEXT_FORMATS.indexOf(format);
  return bits;
}

/**
 * Packs a chunk batch for a worker. With `formats` empty the worker replies with the frame table; otherwise
 * with the frames written in those formats, and the chunk names travel along. With `moveBases`, the batch's
 * own buffer is sent (the caller must transfer it and never read it again); otherwise the covered bases are
 * copied.
 */
export function packTask(chunks: ChunkBatch, formats: readonly FrameTextFormat[], moveBases: boolean): TranslateTask {
  const { count } = chunks;
  const bits = formatBits(formats);
  const names = bits === 0 ? undefined : chunks;
  const firstRecord = names && count > 0 ? names.recordIndex[0]! : 0;
  const records = names && count > 0 ? names.recordIndex[count - 1]! - firstRecord + 1 : 0;
  const ids = names ? idBytes(names.ids, firstRecord, firstRecord + records) : undefined;
  const idBase = ids ? ids.starts[0]! : 0;
  const idByteCount = ids ? ids.starts[records]! - idBase : 0;
  const tableWords = TASK_HEADER_WORDS + 2 * count + (names ? 2 * count + records + 1 : 0);
  const tables = new ArrayBuffer(tableWords * U32 + idByteCount);
  const words = new Uint32Array(tables, 0, tableWords);

  let bases: ArrayBuffer;
  let basesOffset: number;
  let basesLength: number;
  let rebase: number;
  if (moveBases) {
    bases = chunks.bases.buffer as ArrayBuffer;
    basesOffset = chunks.bases.byteOffset;
    basesLength = chunks.bases.length;
    rebase = 0;
  } else {
    const span = basesSpan(chunks);
    bases = new ArrayBuffer(span.length);
    new Uint8Array(bases).set(span);
    basesOffset = 0;
    basesLength = span.length;
    rebase = count === 0 ? 0 : chunks.starts[0]!;
  }
  words.set([TASK_MAGIC, bits, count, basesOffset, basesLength, records, idByteCount]);
  let at = TASK_HEADER_WORDS;
  if (rebase === 0) {
    words.set(chunks.starts.subarray(0, count), at);
    words.set(chunks.ends.subarray(0, count), at + count);
  } else {
    for (let i = 0; i < count; i++) {
      words[at + i] = chunks.starts[i]! - rebase;
      words[at + count + i] = chunks.ends[i]! - rebase;
    }
  }
  at += 2 * count;
  if (names && ids) {
    for (let i = 0; i < count; i++) words[at + i] = names.recordIndex[i]! - firstRecord;
    words.set(names.chunkNumber.subarray(0, count), at + count);
    for (let r = 0; r <= records; r++) words[at + 2 * count + r] = ids.starts[r]! - idBase;
    new Uint8Array(tables, tableWords * U32).set(ids.bytes.subarray(idBase, idBase + idByteCount));
  }
  return { tables, bases };
}

/** What a worker reads out of a {@link TranslateTask}, after checking that every offset lies inside it. */
export interface UnpackedTask {
  readonly chunks: ChunkSpans;
  /** The text formats asked for, in FRAME_TEXT_FORMATS order; empty: reply with the frame table. */
  readonly formats: readonly FrameTextFormat[];
  /** Writes the chunks' ids; present when `formats` is not empty. */
  readonly ids: ChunkIdWriter | undefined;
}

export function unpackTask(task: TranslateTask): UnpackedTask {
  const { tables, bases } = task;
  const header =
    tables instanceof ArrayBuffer && tables.byteLength >= TASK_HEADER_WORDS * U32
      ? new Uint32Array(tables, 0, TASK_HEADER_WORDS)
      : undefined;
  if (header?.[0] !== TASK_MAGIC || !(bases instanceof ArrayBuffer)) throw corrupt('chunk batch', 'bad header');
  const bits = header[1]!;
  const count = header[2]!;
  const basesOffset = header[3]!;
  const basesLength = header[4]!;
  const records = header[5]!;
  const idByteCount = header[6]!;
  const formats = FRAME_TEXT_FORMATS.filter((_, i) => (bits >> i) & 1);
  const tableWords = TASK_HEADER_WORDS + 2 * count + (formats.length > 0 ? 2 * count + records + 1 : 0);
  if (tables.byteLength !== tableWords * U32 + (formats.length > 0 ? idByteCount : 0)) {
    throw corrupt(
      'chunk batch',
      `${tables.byteLength} bytes of tables where ${count} chunks and ${records} records need ${tableWords * U32 + idByteCount}`,
    );
  }
  if (basesOffset + basesLength > bases.byteLength) {
    throw corrupt('chunk batch', `bases [${basesOffset}, ${basesOffset + basesLength}) outside a buffer of ${bases.byteLength} bytes`);
  }
  const starts = new Uint32Array(tables, TASK_HEADER_WORDS * U32, count);
  const ends = new Uint32Array(tables, (TASK_HEADER_WORDS + count) * U32, count);
  for (let i = 0; i < count; i++) {
    if (starts[i]! > ends[i]! || ends[i]! > basesLength) {
      throw corrupt('chunk batch', `chunk ${i} spans [${starts[i]}, ${ends[i]}) outside ${basesLength} bases`);
    }
  }
  const chunks = { bases: new Uint8Array(bases, basesOffset, basesLength), starts, ends, count };
  if (formats.length === 0) return { chunks, formats, ids: undefined };

  const namesAt = (TASK_HEADER_WORDS + 2 * count) * U32;
  const recordIndex = new Uint32Array(tables, namesAt, count);
  const chunkNumber = new Uint32Array(tables, namesAt + count * U32, count);
  const idStarts = new Uint32Array(tables, namesAt + 2 * count * U32, records + 1);
  for (let i = 0; i < count; i++) {
    if (recordIndex[i]! >= records) throw corrupt('chunk batch', `chunk ${i} names record ${recordIndex[i]} of ${records}`);
  }
  for (let r = 0; r < records; r++) {
    if (idStarts[r]! > idStarts[r + 1]!) throw corrupt('chunk batch', `id ${r} spans [${idStarts[r]}, ${idStarts[r + 1]})`);
  }
  if (idStarts[0] !== 0 || idStarts[records] !== idByteCount) throw corrupt('chunk batch', `ids do not fill their ${idByteCount} bytes`);
  const ids = new ChunkIdWriter(
    { bytes: new Uint8Array(tables, tableWords * U32, idByteCount), starts: idStarts },
    0,
    recordIndex,
    chunkNumber,
  );
  return { chunks, formats, ids };
}

/** Copies a frame table (typically views on a worker's reusable builder) into one fresh ArrayBuffer. */
export function encodeFrames(table: FrameTable): ArrayBuffer {
  const { count, nucleotides, proteins } = table;
  const words = 4 + 3 * count + 2;
  const buffer = new ArrayBuffer(words * U32 + count + nucleotides.length + proteins.length);
  const u32 = new Uint32Array(buffer, 0, words);
  u32.set([FRAMES_MAGIC, count, nucleotides.length, proteins.length]);
  u32.set(table.chunk, 4);
  u32.set(table.nucleotideStarts, 4 + count);
  u32.set(table.proteinStarts, 4 + 2 * count + 1);
  const bytes = new Uint8Array(buffer, words * U32);
  bytes.set(table.frame);
  bytes.set(nucleotides, count);
  bytes.set(proteins, count + nucleotides.length);
  return buffer;
}

/** Views on a buffer made by {@link encodeFrames} (no copy). */
export function decodeFrames(buffer: ArrayBuffer): FrameTable {
  const header = buffer.byteLength >= 4 * U32 ? new Uint32Array(buffer, 0, 4) : undefined;
  if (header?.[0] !== FRAMES_MAGIC) throw corrupt('frame batch', 'bad header');
  const count = header[1]!;
  const nucleotideBytes = header[2]!;
  const proteinBytes = header[3]!;
  const bytesAt = (4 + 3 * count + 2) * U32;
  if (buffer.byteLength !== bytesAt + count + nucleotideBytes + proteinBytes) {
    throw corrupt('frame batch', `${buffer.byteLength} bytes do not match its header`);
  }
  return {
    count,
    chunk: new Uint32Array(buffer, 4 * U32, count),
    nucleotideStarts: new Uint32Array(buffer, (4 + count) * U32, count + 1),
    proteinStarts: new Uint32Array(buffer, (4 + 2 * count + 1) * U32, count + 1),
    frame: new Uint8Array(buffer, bytesAt, count),
    nucleotides: new Uint8Array(buffer, bytesAt + count, nucleotideBytes),
    proteins: new Uint8Array(buffer, bytesAt + count + nucleotideBytes, proteinBytes),
  };
}

/** Writes a frame table in each of `formats` into one fresh ArrayBuffer (the worker's text reply). */
export function encodeTexts(table: FrameTable, ids: ChunkIdWriter, formats: readonly FrameTextFormat[]): ArrayBuffer {
  const lengths = formats.map((format) => frameTextLength(table, ids, format));
  const headerBytes = (2 + formats.length) * U32;
  const buffer = new ArrayBuffer(headerBytes + lengths.reduce((sum, length) => sum + length, 0));
  new Uint32Array(buffer, 0, 2 + formats.length).set([TEXTS_MAGIC, table.count, ...lengths]);
  const out = new Uint8Array(buffer);
  let at = headerBytes;
  for (const format of formats) at = writeFrameText(table, ids, format, out, at);
  return buffer;
}

/** The kept-frame count and a view per format on a buffer made by {@link encodeTexts} (no copy). */
export function decodeTexts<F extends FrameTextFormat>(
  buffer: ArrayBuffer,
  formats: readonly F[],
): { count: number; text: Record<F, Uint8Array> } {
  const ordered = FRAME_TEXT_FORMATS.filter((format) => (formats as readonly FrameTextFormat[]).includes(format)) as F[];
  const headerBytes = (2 + ordered.length) * U32;
  const header = buffer.byteLength >= headerBytes ? new Uint32Array(buffer, 0, 2 + ordered.length) : undefined;
  if (header?.[0] !== TEXTS_MAGIC) throw corrupt('text batch', 'bad header');
  const text = {} as Record<F, Uint8Array>;
  let at = headerBytes;
  ordered.forEach((format, i) => {
    const length = header[2 + i]!;
    text[format] = new Uint8Array(buffer, at, Math.min(length, buffer.byteLength - at));
    at += length;
  });
  if (at !== buffer.byteLength) throw corrupt('text batch', `${buffer.byteLength} bytes do not match its header`);
  return { count: header[1]!, text };
}

function corrupt(what: string, detail: string): VirnucproError {
  return new VirnucproError('INTERNAL', `translate worker: ${what} is corrupt (${detail})`, {
    hint: 'this is a bug in virnucpro (or dist/ mixes two builds): rebuild, and report it if it persists',
  });
}
