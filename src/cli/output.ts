import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

/** Output buffering before the stream reports back-pressure; the pipeline's credit bounds it anyway. */
const OUTPUT_HIGH_WATER_MARK = 1 << 20;

/**
 * stdout as an asynchronous stream. process.stdout writes synchronously to pipes and files on Linux, which
 * would block the event loop (and every stage with it) behind a slow reader; an fs write stream on fd 1
 * writes from libuv's thread pool and reports completion through write callbacks, which is what the sink's
 * credit release waits for.
 */
export function openStdout(): Writable {
  return quietOnError(createWriteStream('', { fd: 1, autoClose: false, highWaterMark: OUTPUT_HIGH_WATER_MARK }));
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
