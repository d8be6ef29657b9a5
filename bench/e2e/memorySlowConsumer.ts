/**
 * Peak RSS of a virnucpro command streaming a large generated input (never staged on disk) into a
 * deliberately slow reader, next to the same command with a fast reader and with a 10x smaller input:
 * bounded memory means the three peaks are about equal.
 *
 *   node dist/bench/e2e/memorySlowConsumer.js [--gb 2] [--mb-per-s 25] [--length 150] [-- <extra virnucpro args>]
 *   node dist/bench/e2e/memorySlowConsumer.js --command predict --gb 1 -- --models models/demo
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import path from 'node:path';
import { parseBenchArgs } from '../support/args.js';
import { fileURLToPath } from 'node:url';
import { printTable, watchPeakRss } from '../support/measure.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(HERE, '../../src/cli/main.js');
const GENERATOR = path.resolve(HERE, '../support/fastaGenerator.js');
const CONSUMER = path.resolve(HERE, '../support/slowConsumer.js');

const { values, positionals } = parseBenchArgs({
  allowPositionals: true,
  options: {
    command: { type: 'string', default: 'translate' },
    gb: { type: 'string', default: '2' },
    'mb-per-s': { type: 'string', default: '25' },
    length: { type: 'string', default: '150' },
  },
});
const length = Number(values.length);
/** Bytes per generated record: `>read<i>\n` (~12) + bases + newline. */
const recordBytes = length + 14;

interface Outcome {
  readonly seconds: number;
  readonly peakRssMiB: number;
  readonly consumed: string;
}

async function run(gigabytes: number, slow: boolean): Promise<Outcome> {
  const reads = Math.ceil((gigabytes * 1e9) / recordBytes);
  const started = performance.now();
  const generator = spawn(process.execPath, [GENERATOR, '--reads', String(reads), '--length', String(length)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const tool = spawn(process.execPath, [CLI, values.command!, '--quiet', ...positionals, '-'], {
    stdio: [generator.stdout, slow ? 'pipe' : openSync('/dev/null', 'w'), 'pipe'],
  });
  const stopWatching = watchPeakRss(tool.pid!);
  let stderr = '';
  tool.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let consumed = 'n/a (/dev/null)';
  const consumerDone = slow
    ? (async () => {
        const consumer = spawn(process.execPath, [CONSUMER, '--mb-per-s', values['mb-per-s']!], {
          stdio: [tool.stdout!, 'ignore', 'pipe'],
        });
        let report = '';
        consumer.stderr!.on('data', (chunk: Buffer) => (report += chunk.toString()));
        await once(consumer, 'exit');
        consumed = report.trim();
      })()
    : Promise.resolve();
  const [code] = (await once(tool, 'exit')) as [number | null];
  await consumerDone;
  const peakRssMiB = stopWatching();
  if (code !== 0) throw new Error(`virnucpro ${values.command} exited ${code}: ${stderr}`);
  return { seconds: (performance.now() - started) / 1000, peakRssMiB, consumed };
}

const gb = Number(values.gb);
const cases = [
  { label: `${gb} GB, slow reader (${values['mb-per-s']} MB/s)`, gigabytes: gb, slow: true },
  { label: `${gb} GB, fast reader (/dev/null)`, gigabytes: gb, slow: false },
  { label: `${gb / 10} GB, slow reader`, gigabytes: gb / 10, slow: true },
];
const rows: (string | number)[][] = [];
for (const c of cases) {
  const outcome = await run(c.gigabytes, c.slow);
  rows.push([c.label, outcome.seconds, outcome.peakRssMiB, outcome.consumed]);
}
console.log(`virnucpro ${values.command} ${positionals.join(' ')} on generated ${length}-bp reads piped from a generator (no file)`);
printTable(['case', 'wall s', 'peak RSS MiB', 'reader'], rows);
