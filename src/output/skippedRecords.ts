import { closeSync, openSync, writeSync } from 'node:fs';
import type { FastaRecordRef } from '../fasta/fastaStats.js';
import { outputError } from './appendFile.js';

/** Why the reader skips a record: the only case today (the original crashes on it). */
const EMPTY_RECORD_REASON = 'empty record (no sequence)';
/** Rows gathered before one write: the reader reports skips synchronously, so they are written in blocks. */
const FLUSH_BYTES = 64 * 1024;

/**
 * The `--skipped-out` file: TSV `record_id<TAB>header_line<TAB>reason`, one row per record the reader skipped,
 * in input order, every one of them (FastaStats names only the first five). Rows are added from the
 * reader's synchronous callback and written with writeSync once 64 KiB gather: memory stays bounded
 * however many records are skipped. Ids are written as Latin-1, which restores the input's bytes.
 */
export class SkippedRecordsFile {
  readonly path: string;
  readonly #fd: number;
  #pending = '';

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  /** Creates (or empties) the file and writes its header. Throws OUTPUT_WRITE naming the path. */
  static create(path: string): SkippedRecordsFile {
    let fd: number;
    try {
      fd = openSync(path, 'w');
    } catch (error) {
      throw outputError(path, error);
    }
    const file = new SkippedRecordsFile(path, fd);
    file.#pending = 'record_id\theader_line\treason\n';
    return file;
  }

  /** Adds the row of an empty record the reader skipped. */
  add(record: FastaRecordRef): void {
    this.#pending += `${record.id}\t${record.line}\t${EMPTY_RECORD_REASON}\n`;
    if (this.#pending.length >= FLUSH_BYTES) this.#flush();
  }

  /** Writes what is pending and closes the file. */
  close(): void {
    try {
      this.#flush();
    } finally {
      closeSync(this.#fd);
    }
  }

  #flush(): void {
    if (this.#pending === '') return;
    const bytes = Buffer.from(this.#pending, 'latin1');
    this.#pending = '';
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(this.#fd, bytes, at);
    } catch (error) {
      throw outputError(this.path, error);
    }
  }
}
