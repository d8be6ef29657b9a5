/**
 * A whole `virnucpro predict -o DIR` run from code, with the command's guarantees: input and models checked
 * before anything is written, durable commits, exactly-once accounting, a run summary, and a resume after a
 * crash or Ctrl-C that ends with byte-identical files. Calling it again on a finished directory does nothing.
 *
 *   npm run build && node dist/examples/resumableRun.js [reads.fa[.gz]] [results-dir] [bundle-dir]
 *
 * Defaults: examples/data/demo.fa, ./demo-results and models/demo (random weights: the calls are meaningless).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPredict, summaryLines, VirnucproError } from 'virnucpro';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const input = process.argv[2] ?? path.join(root, 'examples/data/demo.fa');
const dir = process.argv[3] ?? 'demo-results';
const models = process.argv[4] ?? path.join(root, 'models/demo');

// Ctrl-C stops at a clean point: what is committed stays, and the same call continues from there.
const stop = new AbortController();
process.once('SIGINT', () => stop.abort(new VirnucproError('INTERRUPTED', 'interrupted by SIGINT')));

// 'resume' starts afresh in an empty or absent directory, continues an interrupted run, and refuses
// (RESUME_MISMATCH) a directory left by another input, bundle or chunk length.
const log = {
  info: (message: string) => console.error(`[INFO] ${message}`),
  warn: (message: string) => console.error(`[WARN] ${message}`),
};
const result = await runPredict(input, { models, output: { dir, mode: 'resume' }, log, signal: stop.signal });
if (result.summary) {
  for (const line of summaryLines(result.summary)) console.log(line);
  console.log(`frames: ${result.summary.counts.framesKept}, chunks with kept frames: ${result.summary.counts.chunksWithKeptFrames}`);
} else {
  console.log(`${dir}: already complete`);
}
