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

/** Most slots of a {@link RepeatedIds} table: 2^23 (64 MiB), which holds 6.3 million ids at 3/4 load. */
const MAX_ID_SLOTS = 1 << 23;
const FIRST_ID_SLOTS = 1 << 12;

/**
 * Whether record ids repeat, in bounded memory: a set of 64-bit hashes of the ids (open addressing, two
 * Uint32Arrays, 8 bytes a slot, grown by doubling), not of the strings, which would keep every batch's id text
 * alive. Two different ids share a hash with odds of ~n²/2^65 (3e-4 for 10^8 ids). Once the table is full
 * (6.3 million distinct ids) it stops checking: {@link checked} says how many ids were.
 */
export class RepeatedIds {
  #low = new Uint32Array(FIRST_ID_SLOTS);
  #high = new Uint32Array(FIRST_ID_SLOTS);
  #used = 0;
  #full = false;
  /** Ids checked so far (repeats included). */
  checked = 0;

  /** Adds `id`; true when it was added before. */
  add(id: string): boolean {
    if (this.#full) return false;
    this.checked += 1;
    let a = 0x811c9dc5;
    let b = 0x9747b28c ^ id.length;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    // 0 marks an empty slot: the low word is never 0.
    return this.#insert(fmix(a) || 1, fmix(b));
  }

  #insert(low: number, high: number): boolean {
    const mask = this.#low.length - 1;
    let slot = low & mask;
    for (let there = this.#low[slot]!; there !== 0; there = this.#low[slot]!) {
      if (there === low && this.#high[slot] === high) return true;
      slot = (slot + 1) & mask;
    }
    this.#low[slot] = low;
    this.#high[slot] = high;
    this.#used += 1;
    if (this.#used * 4 > this.#low.length * 3) this.#grow();
    return false;
  }

  #place(low: number, high: number): void {
    const mask = this.#low.length - 1;
    let slot = low & mask;
    while (this.#low[slot] !== 0) slot = (slot + 1) & mask;
    this.#low[slot] = low;
    this.#high[slot] = high;
  }

  #grow(): void {
    if (this.#low.length >= MAX_ID_SLOTS) {
      this.#full = true;
      return;
    }
    const [low, high] = [this.#low, this.#high];
    this.#low = new Uint32Array(low.length * 2);
    this.#high = new Uint32Array(low.length * 2);
    for (let i = 0; i < low.length; i++) if (low[i] !== 0) this.#place(low[i]!, high[i]!);
  }
}

/** murmur3's finaliser: spreads a 32-bit hash's bits (as an unsigned number). */
function fmix(hash: number): number {
  let h = hash;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
