/**
 * End-to-end throughput of `virnucpro translate --format tsv` (parse → chunk → six frames → TSV) against the
 * original's approach (per-record Python: bench/peers/translate_peer.py) on the same generated reads, side
 * by side in one run. Output to /dev/null. Both outputs are compared on the peer's subset first, so the
 * ratio compares equal work.
 *
 *   node dist/bench/e2e/translateThroughput.js [--rounds 5] [--peer-rounds 3] [--scale 1]
 *
 * Workloads (pinned; --scale shrinks them for a quick look): 1 000 000 × 150 bp and 200 000 × 500 bp.
 * The Python peer runs on the first PEER_FRACTION of each file (it is ~50x slower) and is reported in
 * reads/s, which does not depend on the number of reads.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseBenchArgs } from '../support/args.js';
import { fileURLToPath } from 'node:url';
import { writeSyntheticFastaFile } from '../support/syntheticFasta.js';
import { median, printTable, runMeasured } from '../support/measure.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const PEER = path.join(ROOT, 'bench/peers/translate_peer.py');
const PEER_FRACTION = 0.1;

export const TRANSLATE_WORKLOADS = [
  { name: '150-bp reads', reads: 1_000_000, length: 150, lineWidth: 0 },
  { name: '500-bp reads', reads: 200_000, length: 500, lineWidth: 60 },
] as const;

const { values } = parseBenchArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'peer-rounds': { type: 'string', default: '3' },
    scale: { type: 'string', default: '1' },
  },
});
const rounds = Number(values.rounds);
const peerRounds = Number(values['peer-rounds']);
const scale = Number(values.scale);
const python = process.env['PYTHON'] ?? 'python3';

const cacheDir = path.join(tmpdir(), 'virnucpro-bench');
mkdirSync(cacheDir, { recursive: true });

async function input(name: string, reads: number, length: number, lineWidth: number): Promise<string> {
  const file = path.join(cacheDir, `${name}-${reads}x${length}w${lineWidth}.fa`);
  if (!existsSync(file)) await writeSyntheticFastaFile(file, { reads, length, lineWidth, seed: reads + length });
  return file;
}

/** sha256 and line count of a command's stdout, after its header line when `header` (ours has one, the peer none). */
function digest(command: string, args: string[], header = false): { hash: string; lines: number } {
  const result = spawnSync(command, args, { maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.toString()}`);
  const text = header ? result.stdout.subarray(result.stdout.indexOf(10) + 1) : result.stdout;
  let lines = 0;
  for (const byte of text) if (byte === 10) lines += 1;
  return { hash: createHash('sha256').update(text).digest('hex'), lines };
}

const rows: (string | number)[][] = [];
for (const workload of TRANSLATE_WORKLOADS) {
  const reads = Math.max(1, Math.round(workload.reads * scale));
  const file = await input('reads', reads, workload.length, workload.lineWidth);
  const peerReads = Math.max(1, Math.round(reads * PEER_FRACTION));
  const peerFile = await input('reads', peerReads, workload.length, workload.lineWidth);
  const megabytes = statSync(file).size / 1e6;

  // Same answers first: the peer's subset through both implementations.
  const ours = digest(process.execPath, [CLI, 'translate', '--quiet', '--format', 'tsv', peerFile], true);
  const theirs = digest(python, [PEER, peerFile, '500']);
  if (ours.hash !== theirs.hash) throw new Error(`outputs differ on ${peerFile}: ${ours.lines} vs ${theirs.lines} lines`);

  const devnull = openSync('/dev/null', 'w');
  const oursMs: number[] = [];
  const peerMs: number[] = [];
  let peakRss = 0;
  for (let round = 0; round < rounds; round++) {
    const run = await runMeasured(process.execPath, [CLI, 'translate', '--quiet', '--format', 'tsv', file], ['ignore', devnull, 'pipe']);
    if (run.exitCode !== 0) throw new Error(`virnucpro failed: ${run.stderr}`);
    oursMs.push(run.wallMs);
    peakRss = Math.max(peakRss, run.peakRssMiB);
  }
  for (let round = 0; round < peerRounds; round++) {
    const run = await runMeasured(python, [PEER, peerFile, '500'], ['ignore', devnull, 'pipe']);
    if (run.exitCode !== 0) throw new Error(`peer failed: ${run.stderr}`);
    peerMs.push(run.wallMs);
  }
  closeSync(devnull);
  const oursReadsPerS = reads / (median(oursMs) / 1000);
  const peerReadsPerS = peerReads / (median(peerMs) / 1000);
  rows.push([
    workload.name,
    reads,
    median(oursMs) / 1000,
    oursReadsPerS,
    megabytes / (median(oursMs) / 1000),
    peakRss,
    peerReadsPerS,
    oursReadsPerS / peerReadsPerS,
  ]);
}

console.log(
  `translate --format tsv → /dev/null; median of ${rounds} runs (ours) and ${peerRounds} runs (Python peer on ${PEER_FRACTION * 100}% of the reads); outputs checked identical on the peer subset`,
);
printTable(['workload', 'reads', 'ours s', 'ours reads/s', 'ours MB/s', 'ours peak RSS MiB', 'Python reads/s', 'ratio'], rows);
