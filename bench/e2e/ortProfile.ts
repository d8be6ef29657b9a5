/**
 * Where an onnxruntime session spends its time: sums the kernel times of profiles written with
 * `VIRNUCPRO_ORT_PROFILE=PREFIX` (src/model/session.ts) by operator type, or by graph node with `--by node`
 * (which of a graph's many `Add`s is the costly one, with its input shapes), and prints them, largest first.
 *
 *   node dist/bench/e2e/ortProfile.js PREFIX_*.json [--top 20] [--by op|node]
 *
 * Each file is one session (one worker); the first run of each node (the warm-up) is included.
 *
 * The times are onnxruntime's "kernel_time" events: each node's `Compute` call timed on the host. On the CPU
 * that is the work; on CUDA a launch returns at once, so a node's time is its launch plus any wait for the
 * card (an arena growing for a new shape, a value read back), and the wait lands on whichever node hits it
 * (ADR 0007, fourth round). GPU kernel time itself needs Nsight Systems.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs } from '../support/args.js';
import { printTable } from '../support/measure.js';

interface TraceEvent {
  readonly cat?: string;
  readonly name?: string;
  readonly dur?: number;
  readonly args?: { readonly op_name?: string; readonly provider?: string; readonly input_type_shape?: unknown };
}

/** What kernel times are summed by: the operator type, or the node (shown with its op type and first input shapes). */
type GroupBy = 'op' | 'node';

interface OpTotal {
  micros: number;
  calls: number;
  readonly providers: Set<string>;
  /** Input shapes of the first call (a node's shapes change with each batch). */
  readonly shapes: string;
}

/** Kernel microseconds per operator type or per node over the given trace events. */
export function kernelTime(events: readonly TraceEvent[], by: GroupBy): Map<string, OpTotal> {
  const totals = new Map<string, OpTotal>();
  for (const event of events) {
    if (event.cat !== 'Node' || !event.name?.endsWith('_kernel_time') || event.args?.op_name === undefined) continue;
    const key = by === 'op' ? event.args.op_name : `${event.args.op_name} ${event.name.slice(0, -'_kernel_time'.length)}`;
    const total = totals.get(key) ?? {
      micros: 0,
      calls: 0,
      providers: new Set<string>(),
      shapes: JSON.stringify(event.args.input_type_shape ?? []),
    };
    total.micros += event.dur ?? 0;
    total.calls += 1;
    if (event.args.provider !== undefined) total.providers.add(event.args.provider);
    totals.set(key, total);
  }
  return totals;
}

async function main(): Promise<void> {
  const { values, positionals } = parseBenchArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '20' }, by: { type: 'string', default: 'op' } },
  });
  if (positionals.length === 0 || (values.by !== 'op' && values.by !== 'node')) {
    throw new Error('usage: ortProfile.js PROFILE.json... [--top N] [--by op|node]');
  }
  for (const file of positionals) {
    const totals = kernelTime(JSON.parse(await readFile(file, 'utf8')) as TraceEvent[], values.by);
    const all = [...totals.values()].reduce((sum, total) => sum + total.micros, 0);
    const rows = [...totals.entries()]
      .sort(([, a], [, b]) => b.micros - a.micros)
      .slice(0, Number(values.top))
      .map(([op, total]) => [
        op,
        (total.micros / 1000).toFixed(1),
        ((100 * total.micros) / all).toFixed(1),
        total.calls.toLocaleString('en-US'),
        [...total.providers].join(','),
        ...(values.by === 'node' ? [total.shapes] : []),
      ]);
    console.log(`${file}: ${(all / 1000).toFixed(1)} ms of node time (host side)`);
    printTable([values.by, 'ms', '%', 'calls', 'provider', ...(values.by === 'node' ? ['first input shapes'] : [])], rows);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
