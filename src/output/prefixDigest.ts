import { createHash, type Hash } from 'node:crypto';

/**
 * Bytes per hashed block of an output file. Each complete block's sha256 (32 bytes) is appended to a digest
 * file beside it, so a resume that finds a changed file can name the offset of the change to within a
 * block, while a commit only appends (0.8 % of the output's size) and never re-reads anything.
 */
export const DIGEST_BLOCK_BYTES = 4096;
/** Bytes of one block's sha256 in the digest file (raw, written as latin1 text). */
export const DIGEST_BYTES = 32;

/** What a commit records of an output file's committed prefix, with its digest file. */
export interface PrefixDigest {
  /** Committed bytes. */
  readonly size: number;
  /** sha256 (hex) of the bytes after the last complete block (possibly none). */
  readonly tail: string;
}

/**
 * The running block digest of an append-only latin1 file, fed with every string appended. Complete blocks'
 * digests go to the digest file; the partial last block stays a running hash, so a commit costs a copy of
 * one hash state.
 */
export class PrefixHasher {
  #block: Hash = createHash('sha256');
  #fill = 0;
  #size: number;

  /** A hasher for a file whose first `size` bytes (a multiple of the block size) are already digested. */
  constructor(size = 0) {
    this.#size = size;
  }

  /**
   * Feeds `text` (latin1: one byte per character), the next bytes of the file. Returns the digests of the
   * blocks it completed, concatenated (latin1, DIGEST_BYTES each), for the digest file.
   */
  update(text: string): string {
    let completed = '';
    let at = 0;
    while (at < text.length) {
      const take = Math.min(text.length - at, DIGEST_BLOCK_BYTES - this.#fill);
      this.#block.update(text.slice(at, at + take), 'latin1');
      this.#fill += take;
      at += take;
      if (this.#fill === DIGEST_BLOCK_BYTES) {
        completed += this.#block.digest('binary'); // latin1
        this.#block = createHash('sha256');
        this.#fill = 0;
      }
    }
    this.#size += text.length;
    return completed;
  }

  /** The digest of everything fed so far. */
  digest(): PrefixDigest {
    return { size: this.#size, tail: this.#block.copy().digest('hex') };
  }
}
