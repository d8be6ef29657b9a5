/**
 * Reads stdin at a capped rate and counts the bytes: a deliberately slow reader of a pipeline's output.
 *   node dist/bench/support/slowConsumer.js --mb-per-s 40
 * Prints `bytes=<n> seconds=<s>` to stderr at the end.
 */
import { parseBenchArgs } from './args.js';
import { setTimeout as sleep } from 'node:timers/promises';

const { values } = parseBenchArgs({ options: { 'mb-per-s': { type: 'string', default: '40' } } });
const bytesPerMs = (Number(values['mb-per-s']) * 1e6) / 1000;
const started = performance.now();
let bytes = 0;
for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
  bytes += chunk.length;
  const due = bytes / bytesPerMs - (performance.now() - started);
  if (due > 1) await sleep(due);
}
process.stderr.write(`bytes=${bytes} seconds=${((performance.now() - started) / 1000).toFixed(1)}\n`);
