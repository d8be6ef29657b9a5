/**
 * The file piscina loads in each translate thread, in CommonJS on purpose. piscina loads a worker file with
 * require() first, and on Node versions where require() can load an ES module (20.19+, 22.12+) a thread
 * terminated while that load is still running aborts the whole process (node's assertion in
 * ModuleWrap::CreateRequiredModuleFacade, SIGABRT): a short run exits before its threads have finished
 * starting. This file needs no ES module loader to require(); it imports the worker (translateWorker.ts) with
 * import(), which a terminated thread abandons cleanly.
 */
import type { ErrorData } from '../errors.js';
import type { TranslateTask } from './translateWire.js';

// Started at once, so that the first task does not wait for the module. A failed import fails each task
// (the await below), not the thread with an unhandled rejection.
const worker = import('./translateWorker.js');
worker.catch(() => undefined);

async function translateTask(task: TranslateTask): Promise<ArrayBuffer | ErrorData> {
  return (await worker).default(task);
}

export = translateTask;
