/**
 * Piscina worker of the translate pool (translatePool.ts): one task = one whole chunk batch, packed by
 * packTask (translateWire.ts). Replies with the frame table, or the frames already written as text, as one
 * transferred ArrayBuffer; or with {@link ErrorData}: a thrown error would reach the main thread as a plain
 * Error, its code lost.
 */
import { move } from 'piscina';
import { toErrorData, type ErrorData } from '../errors.js';
import { FrameBuilder, translateChunks } from './sixFrames.js';
import { encodeFrames, encodeTexts, unpackTask, type TranslateTask } from './translateWire.js';

/** Reused across tasks: after the first few batches translation allocates only its reply. */
const builder = new FrameBuilder();

export default function translateTask(task: TranslateTask): ArrayBuffer | ErrorData {
  try {
    const { chunks, formats, ids } = unpackTask(task);
    const table = translateChunks(chunks, builder);
    return move(ids === undefined ? encodeFrames(table) : encodeTexts(table, ids, formats)) as ArrayBuffer;
  } catch (error) {
    return toErrorData(error);
  }
}
