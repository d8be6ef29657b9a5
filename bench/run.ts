/**
 * `npm run bench`: every benchmark in turn, each in its own process, each printing its own table (ours and
 * its peer side by side). Pass names to run some: `npm run bench -- translate predict`. Names: the file
 * names below without extension. The long ones take options of their own: run them directly
 * (e.g. `node dist/bench/e2e/translateThroughput.js --rounds 5`).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Default arguments keep `npm run bench` to roughly 10-15 minutes on 2 cores. */
const BENCHMARKS: readonly (readonly [name: string, file: string, args: readonly string[]])[] = [
  ['fastaParse', 'micro/fastaParse.bench.js', []],
  ['translate', 'micro/translate.bench.js', []],
  ['tokenize', 'micro/tokenize.bench.js', []],
  ['packingEfficiency', 'micro/packingEfficiency.bench.js', []],
  ['inferencePool', 'micro/inferencePool.bench.js', []],
  ['embedOverhead', 'micro/embedOverhead.bench.js', []],
  ['translateThroughput', 'e2e/translateThroughput.js', ['--rounds', '3', '--peer-rounds', '1']],
  ['predictThroughput', 'e2e/predictThroughput.js', ['--rounds', '3']],
  ['memorySlowConsumer', 'e2e/memorySlowConsumer.js', ['--gb', '1']],
  ['ortVsTorch', 'e2e/ortVsTorch.js', []],
];

const wanted = new Set(process.argv.slice(2));
const unknown = [...wanted].filter((name) => !BENCHMARKS.some(([n]) => n === name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${BENCHMARKS.map(([n]) => n).join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const [name, file, args] of BENCHMARKS) {
  if (wanted.size > 0 && !wanted.has(name)) continue;
  console.log(`\n## ${name}\n`);
  const result = spawnSync(process.execPath, [path.join(HERE, file), ...args], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed += 1;
    console.log(`(${name} exited with ${result.status ?? result.signal})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
