/**
 * Piscina worker of the translate pool (translatePool.ts): one task = one whole chunk batch, packed by
 * packChunks (translateWire.ts). Replies with the frames as one transferred ArrayBuffer, or with {@link ErrorData}:
 * a thrown error would reach the main thread as a plain Error, its code lost.
 */
import { move } from 'piscina';
import { toErrorData, type ErrorData } from '../errors.js';
import { FrameBuilder, translateChunks } from './sixFrames.js';
import { encodeFrames, unpackChunks } from './translateWire.js';

/** Reused across tasks: after the first few batches translation allocates only its reply. */
const builder = new FrameBuilder();

export default function translateTask(packed: ArrayBuffer): ArrayBuffer | ErrorData {
  try {
    return move(encodeFrames(translateChunks(unpackChunks(packed), builder))) as ArrayBuffer;
  } catch (error) {
    return toErrorData(error);
  }
}
