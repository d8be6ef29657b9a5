import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreHistogram } from '../../src/output/scoreHistogram.js';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';
import { describeWithTool } from '../support/tools.js';

/**
 * The reports of `predict -o DIR`: MultiQC custom content read by Debian's multiqc, and report.html rendered
 * by headless Chromium with no console error, its plots holding the numbers of the run's own files.
 */

const DEMO = path.join(REPO_ROOT, 'models/demo');
const DEMO_READS = path.join(REPO_ROOT, 'examples/data/demo.fa');
const MQC = ['virnucpro_general_stats_mqc.json', 'virnucpro_scores_mqc.json', 'virnucpro_throughput_mqc.json'];

interface Chunk {
  max1: number;
  max2: number;
}

/** Per chunk id, the largest frame scores: read from prediction_results.txt with a plain map (demo ids are unique). */
function chunksOf(predictionResults: string): Map<string, Chunk> {
  const chunks = new Map<string, Chunk>();
  for (const line of predictionResults.trim().split('\n').slice(1)) {
    const [frame, , s1, s2] = line.split('\t');
    const id = frame!.replace(/[FR][123]$/, '');
    const chunk = chunks.get(id) ?? { max1: -1, max2: -1 };
    chunk.max1 = Math.max(chunk.max1, Number(s1));
    chunk.max2 = Math.max(chunk.max2, Number(s2));
    chunks.set(id, chunk);
  }
  return chunks;
}

let dir: string;
let out: string;
let summary: {
  counts: {
    recordsRead: number;
    chunksWithKeptFrames: number;
    framesKept: number;
    calls: Record<'reads' | 'chunks', { viral: number; notViral: number; uncallable: number }>;
  };
  timing: { stages: { name: string; rows: number; rowsPerSecond: number }[] };
};
let chunks: Map<string, Chunk>;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'virnucpro-reports-'));
  out = path.join(dir, 'demo-run');
  const result = await runCli(['predict', '-m', DEMO, '-j', '2', '-o', out, DEMO_READS]);
  expect(result.code, result.stderr).toBe(0);
  summary = JSON.parse(await readFile(path.join(out, 'run_summary.json'), 'utf8')) as typeof summary;
  chunks = chunksOf(await readFile(path.join(out, 'prediction_results.txt'), 'latin1'));
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('scoreHistogram', () => {
  it('bins each chunk by its largest P(virus), splits by the consensus call, and keeps adjacent reads with one id apart', async () => {
    const file = path.join(dir, 'prediction_results.txt');
    await writeFile(
      file,
      [
        'Sequence_ID\tPrediction\tscore1\tscore2',
        'a_chunk_1F1\tothers\t0.9\t0.1', // a_chunk_1: max1 0.9, max2 0.6 → not viral, bin 12
        'a_chunk_1R2\tvirus\t0.4\t0.6',
        'a_chunk_1F2\tothers\t0.7\t0.3', // same id again, frame order restarts: the next read named a → bin 6, not viral
        'b_chunk_1F3\tvirus\t0.5\t0.5', // a tie is viral; 0.5 → bin 10
        'c_chunk_2R3\tvirus\t0\t1', // 1 → the last bin
        '',
      ].join('\n'),
    );
    const histogram = await scoreHistogram(file);
    const expected = (entries: Record<number, number>): number[] => Array.from({ length: 20 }, (_, k) => entries[k] ?? 0);
    expect(histogram).toEqual({ bins: 20, viral: expected({ 10: 1, 19: 1 }), notViral: expected({ 6: 1, 12: 1 }) });
  });
});

describe('predict -o writes the reports', () => {
  it("writes the MultiQC files and report.html, made from the run's own numbers", async () => {
    for (const file of [...MQC, 'report.html']) expect(existsSync(path.join(out, file)), file).toBe(true);
    const general = JSON.parse(await readFile(path.join(out, MQC[0]!), 'utf8')) as { data: Record<string, Record<string, number>> };
    const viral = [...chunks.values()].filter((c) => c.max2 >= c.max1).length;
    const { reads } = summary.counts.calls;
    expect(general.data).toEqual({
      demo: {
        virnucpro_reads: summary.counts.recordsRead,
        virnucpro_viral_reads: reads.viral,
        virnucpro_viral_reads_pct: Math.round((10000 * reads.viral) / summary.counts.recordsRead) / 100,
        virnucpro_uncallable_reads: reads.uncallable,
        virnucpro_viral_chunks: viral,
        virnucpro_callable_chunks: chunks.size,
      },
    });
    expect(reads.viral + reads.notViral + reads.uncallable).toBe(summary.counts.recordsRead);
    expect(chunks.size).toBe(summary.counts.chunksWithKeptFrames);
    const highest = readFileSync(path.join(out, 'prediction_results_highestscore.csv'), 'latin1');
    expect(viral, 'the consensus file agrees').toBe((highest.match(/\tTrue$/gm) ?? []).length);
    const scores = JSON.parse(await readFile(path.join(out, MQC[1]!), 'utf8')) as { data: { demo: Record<string, number> } };
    expect(Object.values(scores.data.demo).reduce((a, b) => a + b, 0)).toBe(chunks.size);
  });

  it('redoes missing reports when the finished run is resumed', async () => {
    await rm(path.join(out, 'report.html'));
    const resumed = await runCli(['predict', '-m', DEMO, '-j', '2', '-o', out, '--resume', DEMO_READS]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('already complete; its reports were missing and are written now');
    expect(existsSync(path.join(out, 'report.html'))).toBe(true);
  }, 120_000);
});

describeWithTool('multiqc', 'MultiQC reads the custom content', () => {
  it('finds the VirNucPro section, its general statistics and plot data', () => {
    const report = path.join(dir, 'multiqc');
    const run = spawnSync('multiqc', ['--no-ansi', '-q', '-f', '-o', report, out], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const data = JSON.parse(readFileSync(path.join(report, 'multiqc_data', 'multiqc_data.json'), 'utf8')) as {
      report_general_stats_data: Record<string, Record<string, number>>[];
      report_plot_data: Record<string, { datasets: unknown[] }>;
    };
    const general = Object.assign({}, ...data.report_general_stats_data) as Record<string, Record<string, number>>;
    expect(general['demo']).toMatchObject({
      virnucpro_reads: summary.counts.recordsRead,
      virnucpro_viral_reads: summary.counts.calls.reads.viral,
      virnucpro_callable_chunks: chunks.size,
    });
    expect(Object.keys(data.report_plot_data)).toEqual(expect.arrayContaining(['virnucpro_scores_plot']));
    const html = readFileSync(path.join(report, 'multiqc_report.html'), 'utf8');
    expect(html).toContain('id="virnucpro"');
    expect(html).toContain('VirNucPro');
    const throughput = readFileSync(path.join(report, 'multiqc_data', 'multiqc_virnucpro_throughput_table.txt'), 'utf8');
    expect(throughput).toContain('embed-protein');
  }, 120_000);
});

describeWithTool('chromium', 'report.html in headless Chromium', () => {
  it("renders with no console message, and its plots hold the run's numbers", () => {
    const page = `file://${path.join(out, 'report.html')}`;
    const run = spawnSync(
      'chromium',
      ['--headless', '--disable-gpu', '--no-sandbox', '--enable-logging=stderr', '--v=0', '--dump-dom', page],
      { encoding: 'utf8', timeout: 90_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    // CSP violations (anything loaded from outside the page), script errors: all are console messages.
    expect(run.stderr).not.toMatch(/CONSOLE|Uncaught|Refused|Content Security Policy/);
    const dom = run.stdout;
    expect(dom).toContain('<svg id="score-histogram"');

    const bins = [...dom.matchAll(/<g class="bin" data-from="([\d.]+)" data-to="[\d.]+" data-viral="(\d+)" data-not-viral="(\d+)">/g)];
    expect(bins).toHaveLength(20);
    const expected = Array.from({ length: 20 }, () => [0, 0]);
    for (const chunk of chunks.values()) expected[Math.min(19, Math.floor(chunk.max2 * 20))]![chunk.max2 >= chunk.max1 ? 0 : 1]! += 1;
    expect(bins.map((bin) => [Number(bin[2]), Number(bin[3])])).toEqual(expected);

    const lines = [...dom.matchAll(/<polyline data-stage="([\w-]+)" data-rows="(\d+)"/g)].map((line) => [line[1], Number(line[2])]);
    expect(lines).toEqual(summary.timing.stages.map((stage) => [stage.name, stage.rows]));
    expect(dom).toMatch(new RegExp(`<td>recordsRead</td><td class="num">${summary.counts.recordsRead}</td>`));
    expect(dom).toMatch(new RegExp(`<td>framesKept</td><td class="num">${summary.counts.framesKept.toLocaleString('en-US')}</td>`));
    expect(dom).toContain('55054d8f855c'); // the demo bundle's manifest sha256 (prefix), in the bundle table
    expect(dom).not.toMatch(/(src|href)="https?:/);
  }, 120_000);
});
