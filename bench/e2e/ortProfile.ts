/**
 * Where an onnxruntime session spends its time: sums the kernel times of profiles written with
 * `VIRNUCPRO_ORT_PROFILE=PREFIX` (src/model/session.ts) by operator type and prints them, largest first.
 *
 *   node dist/bench/e2e/ortProfile.js PREFIX_*.json [--top 20]
 *
 * Each file is one session (one worker); the first run of each node (the warm-up) is included.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { printTable } from '../support/measure.js';

interface TraceEvent {
  readonly cat?: string;
  readonly name?: string;
  readonly dur?: number;
  readonly args?: { readonly op_name?: string; readonly provider?: string };
}

interface OpTotal {
  micros: number;
  calls: number;
  readonly providers: Set<string>;
}

/** Kernel microseconds per operator type over the given trace events. */
export function kernelTimeByOp(events: readonly TraceEvent[]): Map<string, OpTotal> {
  const totals = new Map<string, OpTotal>();
  for (const event of events) {
    if (event.cat !== 'Node' || !event.name?.endsWith('_kernel_time') || event.args?.op_name === undefined) continue;
    const total = totals.get(event.args.op_name) ?? { micros: 0, calls: 0, providers: new Set<string>() };
    total.micros += event.dur ?? 0;
    total.calls += 1;
    if (event.args.provider !== undefined) total.providers.add(event.args.provider);
    totals.set(event.args.op_name, total);
  }
  return totals;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '20' } } });
  if (positionals.length === 0) throw new Error('usage: ortProfile.js PROFILE.json... [--top N]');
  for (const file of positionals) {
    const totals = kernelTimeByOp(JSON.parse(await readFile(file, 'utf8')) as TraceEvent[]);
    const all = [...totals.values()].reduce((sum, total) => sum + total.micros, 0);
    const rows = [...totals.entries()]
      .sort(([, a], [, b]) => b.micros - a.micros)
      .slice(0, Number(values.top))
      .map(([op, total]) => [
        op,
        (total.micros / 1000).toFixed(1),
        ((100 * total.micros) / all).toFixed(1),
        total.calls,
        [...total.providers].join(','),
      ]);
    console.log(`${file}: ${(all / 1000).toFixed(1)} ms of kernel time`);
    printTable(['op', 'ms', '%', 'calls', 'provider'], rows);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
