/**
 * Preloaded into the CLI (`NODE_OPTIONS=--import <this file>`) by fault-injection tests: inference workers of
 * the model labelled $VIRNUCPRO_TEST_CRASH_MODEL ('dna', 'protein' or 'classifier') start through
 * crashingRunWorker.js, which ends its thread on the $VIRNUCPRO_TEST_CRASH_ON_RUN-th batch it receives. The
 * production code is untouched: worker_threads.Worker is swapped before the CLI's modules load.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type { WorkerOptions } from 'node:worker_threads';

const threads = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
const Original = threads.Worker;
const crashing = new URL('./crashingRunWorker.js', import.meta.url);
const model = process.env['VIRNUCPRO_TEST_CRASH_MODEL'];

threads.Worker = class extends Original {
  constructor(url: string | URL, options?: WorkerOptions) {
    const init = options?.workerData as { model?: { label?: string } } | undefined;
    const redirect = String(url).endsWith('/model/inferenceWorker.js') && init?.model?.label === model;
    super(redirect ? crashing : url, redirect ? { ...options, workerData: { ...init, realWorker: String(url) } } : options);
  }
};
syncBuiltinESMExports();
