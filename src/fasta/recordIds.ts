/**
 * Record ids as the reader makes them: Latin-1 strings of the header's bytes, decoded once per batch, and
 * those bytes kept, so that a stage that writes ids back out (the translate workers) takes them as they
 * were read instead of encoding every id again.
 */

/** Record ids as bytes: id r is `bytes[starts[r], starts[r + 1])` (Latin-1, the input's header bytes). */
export interface IdBytes {
  readonly bytes: Uint8Array;
  /** Length: ids + 1. */
  readonly starts: Uint32Array;
}

/** The bytes each ids array the reader made was decoded from, keyed by the array itself. */
const decodedFrom = new WeakMap<readonly string[], IdBytes>();

/**
 * The ids held by `source` (which the caller gives up: it is kept to serve {@link idBytes}). One native
 * decode for the whole batch, then a substring per id: ~20 ns an id, against ~100 ns for a decode per id
 * (docs/adr/0006-translate-throughput.md).
 */
export function decodeIds(source: IdBytes): string[] {
  const { bytes, starts } = source;
  const count = starts.length - 1;
  const text = latin1(bytes, starts[0]!, starts[count]!);
  const base = starts[0]!;
  const ids: string[] = [];
  for (let r = 0; r < count; r++) ids.push(text.substring(starts[r]! - base, starts[r + 1]! - base));
  decodedFrom.set(ids, source);
  return ids;
}

/**
 * Ids `[from, to)` of `ids` as bytes: views on the bytes the reader decoded them from when it made `ids`
 * (their `starts` then index the whole batch's bytes), otherwise one join and one native Latin-1 encode.
 */
export function idBytes(ids: readonly string[], from: number, to: number): IdBytes {
  const source = decodedFrom.get(ids);
  if (source !== undefined) return { bytes: source.bytes, starts: source.starts.subarray(from, to + 1) };
  const slice = ids.slice(from, to);
  const starts = new Uint32Array(slice.length + 1);
  for (let r = 0, at = 0; r < slice.length; r++) starts[r + 1] = at += slice[r]!.length;
  return { bytes: Buffer.from(slice.join(''), 'latin1'), starts };
}

/**
 * Latin-1 text of `bytes[start, end)`, through Buffer's own latin1Slice (undeclared in @types/node, present
 * in every Node release): toString('latin1', …) adds argument checks that cost ~40 % more (ADR 0001).
 */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (buffer as Buffer & { latin1Slice(start: number, end: number): string }).latin1Slice(start, end);
}
