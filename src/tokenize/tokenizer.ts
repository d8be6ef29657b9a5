import { VirnucproError } from '../errors.js';

/**
 * What the embedding stages need from a tokenizer: the ids of one sequence, specials included, from its
 * bytes. Implementations keep their scratch per instance, so each worker thread builds its own.
 */
export interface Tokenizer {
  /** Ids the model's embedding table holds (largest id + 1). */
  readonly vocabSize: number;
  /** Most ids {@link encodeInto} can write for `byteLength` input bytes, specials included. */
  maxTokens(byteLength: number): number;
  /**
   * Writes the ids of `bytes` into `out` from `offset` and returns how many it wrote: the row length the
   * packer needs, at no extra cost. Throws a RangeError, writing nothing, when they do not fit, and
   * TOKENIZER_INPUT for a non-ASCII byte (part of the row may then be written).
   */
  encodeInto(bytes: Uint8Array, out: Int32Array, offset?: number): number;
  /** The ids of `bytes` in a new array of exactly the row length. */
  encode(bytes: Uint8Array): Int32Array;
}

/** Tokenizers take ASCII only: a multi-byte character would otherwise count as several residues or bases. */
export function nonAsciiError(bytes: Uint8Array, offset: number): VirnucproError {
  return new VirnucproError('TOKENIZER_INPUT', `byte 0x${bytes[offset]!.toString(16).padStart(2, '0')} at offset ${offset} is not ASCII`, {
    hint: 'sequences must be ASCII letters (IUPAC codes); check the input for binary or non-ASCII text',
  });
}

/** Checks that `count` ids fit in `out` from `offset`, before anything is written. */
export function checkRoom(out: Int32Array, offset: number, count: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + count > out.length) {
    throw new RangeError(`offset ${offset} + ${count} ids does not fit an output of ${out.length} ids (size it with maxTokens())`);
  }
}
