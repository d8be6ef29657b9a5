/**
 * The real inference worker, wrapped so that a test can kill the thread deterministically in the middle of
 * a request: this listener runs before the worker's own, on a batch whose row count is a crash hook.
 */
import { parentPort } from 'node:worker_threads';
import { EXIT_ON_ROWS, THROW_ON_ROWS } from './crashHooks.js';

parentPort!.on('message', (message: { type: string; rows?: number }) => {
  if (message.type !== 'run') return;
  if (message.rows === EXIT_ON_ROWS) process.exit(3); // in a worker, ends only this thread
  if (message.rows === THROW_ON_ROWS) throw new Error('injected uncaught error');
});

await import('../../../src/model/inferenceWorker.js');
