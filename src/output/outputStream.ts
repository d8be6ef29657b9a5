import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { VirnucproError } from '../errors.js';
import { outputError } from './appendFile.js';

/** Where a command writes its results: the stream and the name its errors give ('stdout' or the path). */
export interface OutputStream {
  readonly stream: Writable;
  readonly name: string;
  /**
   * The process's stdout: flushed at the end, never ended. When it is a socket (a job runner's log
   * collector, spawn's stdio 'pipe' on some setups) it may be shared with the parent and the commands after
   * us, and ending it would shut the socket down for them all.
   */
  readonly shared?: boolean;
}

/**
 * stdout for a pipeline sink. Every write's callback fires once the bytes are handed to the OS: that is
 * when the sink releases the batch's credit, so a slow reader stops the source. On Linux, pipes and
 * sockets are written asynchronously through libuv (EAGAIN is waited out, not retried), files and
 * terminals synchronously. We never close fd 1 (process.stdout's destroy() leaves it open), and its write
 * errors (EPIPE, ENOSPC) reach the sink through the callbacks.
 *
 * (An fs.WriteStream on fd 1 does not work: creating a worker thread puts a stdout pipe into non-blocking
 * mode, and fs writes then fail with EAGAIN behind a slow reader.)
 */
export function openStdout(): OutputStream {
  return { stream: quietOnError(process.stdout), name: 'stdout', shared: true };
}

/**
 * Creates (or empties) an output file before anything runs, so that a path that cannot be written fails at
 * once with OUTPUT_WRITE naming it (a lazily opened stream would lose the cause behind ERR_STREAM_DESTROYED).
 */
export async function openOutputFile(path: string): Promise<OutputStream> {
  try {
    const handle = await open(path, 'w');
    return { stream: quietOnError(handle.createWriteStream()), name: path };
  } catch (error) {
    throw outputError(path, error);
  }
}

/**
 * Writes `bytes`, resolving once the stream has taken them (the caller releases the batch's credit then).
 * A write error rejects as OUTPUT_WRITE naming the output, except EPIPE ({@link isBrokenPipe}), kept as it is.
 * Nothing is written when `bytes` is empty, unless `evenEmpty` (a flush: its callback follows every earlier write's).
 */
export function writeOutput(out: OutputStream, bytes: Uint8Array, evenEmpty = false): Promise<void> {
  return new Promise((resolve, reject) => {
    if (bytes.length === 0 && !evenEmpty) return resolve();
    out.stream.write(bytes, (error) => (error ? reject(writeFailure(out, error)) : resolve()));
  });
}

/**
 * Ends an output and waits until everything written has been flushed (errors as in {@link writeOutput}).
 * stdout is only flushed: an empty write's callback comes after every earlier write's.
 */
export function finishOutput(out: OutputStream): Promise<void> {
  if (out.shared) return writeOutput(out, EMPTY, true);
  return new Promise((resolve, reject) => {
    out.stream.once('error', (error) => reject(writeFailure(out, error)));
    out.stream.end(() => resolve());
  });
}

const EMPTY = new Uint8Array(0);

/** An output whose first bytes are its column header (if it has one): written with the first rows, or alone at the end. */
export interface HeadedOutput {
  /** Writes `bytes` (the header first, the first time); resolves as {@link writeOutput} does. */
  write(bytes: Uint8Array): Promise<void>;
  /** Writes the header if no rows were written (an empty input still gets its header), then ends the output. */
  finish(): Promise<void>;
}

/**
 * `out` with `header` (a line, Latin-1; undefined for formats that have none, FASTA, JSON lines) before its
 * rows. Written lazily, so that a run refused at its first input byte leaves stdout empty rather than holding
 * a header alone.
 */
export function withHeader(out: OutputStream, header: string | undefined): HeadedOutput {
  let pending = header === undefined ? undefined : Buffer.from(header, 'latin1');
  const writeHeader = async (): Promise<void> => {
    if (pending === undefined) return;
    const bytes = pending;
    pending = undefined;
    await writeOutput(out, bytes);
  };
  return {
    async write(bytes) {
      await writeHeader();
      await writeOutput(out, bytes);
    },
    async finish() {
      await writeHeader();
      await finishOutput(out);
    },
  };
}

/**
 * Write errors (EPIPE when the reader left, ENOSPC, …) reach the sinks through write callbacks, which
 * turn them into the command's result; the stream's 'error' event would otherwise crash the process.
 */
function quietOnError<S extends Writable>(out: S): S {
  out.on('error', () => undefined);
  return out;
}

function writeFailure(out: OutputStream, error: unknown): unknown {
  if (isBrokenPipe(error) || error instanceof VirnucproError) return error;
  return out.shared ? outputError(out.name, error, 'cannot write', STDOUT_HINT) : outputError(out.name, error);
}

const STDOUT_HINT =
  'stdout is redirected to a file or device that cannot take more: check its filesystem (free space, read-only?) or redirect it elsewhere';

/** The reader of our output went away (`virnucpro … | head`): a normal way for a pipe to end. */
export function isBrokenPipe(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === 'EPIPE';
}
