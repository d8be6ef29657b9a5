import { VirnucproError } from '../errors.js';
import { basesSpan, type ChunkSpans } from './chunkBatch.js';
import type { FrameTable } from './sixFrames.js';

/**
 * The two messages of the translate worker, each ONE ArrayBuffer that the sender allocated itself and
 * passes in the transfer list (never a slice of Node's Buffer pool, which cannot be transferred).
 *
 * Chunks (main → worker): u32 [magic, count, basesLength], u32 starts[count], u32 ends[count], u8 bases.
 * Only the bases the chunks cover are sent, once: chunks of a read overlap, so this is smaller than
 * sending each chunk.
 * Frames (worker → main): u32 [magic, count, nucleotideBytes, proteinBytes], u32 chunk[count],
 * u32 nucleotideStarts[count + 1], u32 proteinStarts[count + 1], u8 frame[count], u8 nucleotides, u8 proteins.
 */

/** Tags that catch a buffer of the wrong kind (or a stale build of the worker) before it is misread. */
const CHUNKS_MAGIC = 0x564e4331; // "VNC1"
const FRAMES_MAGIC = 0x564e4631; // "VNF1"
const U32 = 4;

/** Packs the chunks into one fresh ArrayBuffer, offsets rebased on the covered span of bases. */
export function packChunks(chunks: ChunkSpans): ArrayBuffer {
  const { count } = chunks;
  const span = basesSpan(chunks);
  const base = count === 0 ? 0 : chunks.starts[0]!;
  const buffer = new ArrayBuffer((3 + 2 * count) * U32 + span.length);
  const words = new Uint32Array(buffer, 0, 3 + 2 * count);
  words[0] = CHUNKS_MAGIC;
  words[1] = count;
  words[2] = span.length;
  for (let i = 0; i < count; i++) {
    words[3 + i] = chunks.starts[i]! - base;
    words[3 + count + i] = chunks.ends[i]! - base;
  }
  new Uint8Array(buffer, (3 + 2 * count) * U32).set(span);
  return buffer;
}

/** Views on a buffer made by {@link packChunks}, after checking that every chunk lies inside it. */
export function unpackChunks(buffer: ArrayBuffer): ChunkSpans {
  const header = buffer.byteLength >= 3 * U32 ? new Uint32Array(buffer, 0, 3) : undefined;
  if (header?.[0] !== CHUNKS_MAGIC) throw corrupt('chunk batch', 'bad header');
  const count = header[1]!;
  const basesLength = header[2]!;
  const basesAt = (3 + 2 * count) * U32;
  if (buffer.byteLength !== basesAt + basesLength) {
    throw corrupt('chunk batch', `${buffer.byteLength} bytes where ${count} chunks and ${basesLength} bases need ${basesAt + basesLength}`);
  }
  const starts = new Uint32Array(buffer, 3 * U32, count);
  const ends = new Uint32Array(buffer, (3 + count) * U32, count);
  for (let i = 0; i < count; i++) {
    if (starts[i]! > ends[i]! || ends[i]! > basesLength) {
      throw corrupt('chunk batch', `chunk ${i} spans [${starts[i]}, ${ends[i]}) outside ${basesLength} bases`);
    }
  }
  return { bases: new Uint8Array(buffer, basesAt, basesLength), starts, ends, count };
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

function corrupt(what: string, detail: string): VirnucproError {
  return new VirnucproError('INTERNAL', `translate worker: ${what} is corrupt (${detail})`, {
    hint: 'this is a bug in virnucpro (or dist/ mixes two builds): rebuild, and report it if it persists',
  });
}
