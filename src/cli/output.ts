import type { Writable } from 'node:stream';

/**
 * stdout for a pipeline sink. Every write's callback fires once the bytes are handed to the OS: that is
 * when the sink releases the batch's credit, so a slow reader stops the source. On Linux, pipes and
 * sockets are written asynchronously through libuv (EAGAIN is waited out, not retried), files and
 * terminals synchronously. We never close fd 1 (process.stdout's destroy() leaves it open), and its write
 * errors (EPIPE) reach the sink through the callbacks.
 *
 * (An fs.WriteStream on fd 1 does not work: creating a worker thread puts a stdout pipe into non-blocking
 * mode, and fs writes then fail with EAGAIN behind a slow reader.)
 */
export function openStdout(): Writable {
  return quietOnError(process.stdout);
}

/**
 * Write errors (EPIPE when the reader left, ENOSPC, …) reach the sinks through write callbacks, which
 * turn them into the command's result; the stream's 'error' event would otherwise crash the process.
 */
export function quietOnError<S extends Writable>(out: S): S {
  out.on('error', () => undefined);
  return out;
}

/** Closes an output stream and waits until everything written has been flushed. */
export function finishOutput(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}

/** The reader of our output went away (`virnucpro … | head`): a normal way for a pipe to end. */
export function isBrokenPipe(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === 'EPIPE';
}
