/**
 * An inference worker that ends its thread (exit code 3) on the $VIRNUCPRO_TEST_CRASH_ON_RUN-th batch it
 * receives, before running it: the pool sees a worker die mid-request. Otherwise it is the real worker
 * (workerData.realWorker), whose listener runs after this one.
 */
import { parentPort, workerData } from 'node:worker_threads';

const crashOn = Number(process.env['VIRNUCPRO_TEST_CRASH_ON_RUN']);
let runs = 0;
parentPort!.on('message', (message: { type: string }) => {
  if (message.type === 'run' && ++runs === crashOn) process.exit(3);
});

await import((workerData as { realWorker: string }).realWorker);
