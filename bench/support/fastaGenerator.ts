/**
 * Writes synthetic reads to stdout, for piping multi-gigabyte inputs without staging them on disk.
 *   node dist/bench/support/fastaGenerator.js --reads 12500000 --length 150 [--line-width 60] [--seed 1]
 */
import { parseBenchArgs } from './args.js';
import { createWriteStream } from 'node:fs';
import { writeSyntheticFasta } from './syntheticFasta.js';

const { values } = parseBenchArgs({
  options: {
    reads: { type: 'string', default: '1000' },
    length: { type: 'string', default: '150' },
    'line-width': { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
  },
});
const out = createWriteStream('', { fd: 1, autoClose: false, highWaterMark: 1 << 20 });
out.on('error', () => process.exit(0)); // the pipeline's reader went away: stop quietly
await writeSyntheticFasta(out, {
  reads: Number(values.reads),
  length: Number(values.length),
  lineWidth: Number(values['line-width']),
  seed: Number(values.seed),
});
out.end();
