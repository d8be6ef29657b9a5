import type { ReportData, ReportSummary } from './reportData.js';
import type { ScoreHistogram } from './scoreHistogram.js';

/**
 * `report.html` of a `predict -o DIR` run: one self-contained page (no script, no network: its Content
 * Security Policy forbids loading anything) with the counts, the chunk score histogram and the per-stage
 * rates over time as inline SVG, the per-stage table, the options and the model bundle. Every plotted
 * element carries its numbers in data-* attributes and a <title> (a tooltip), so a reader, or a test, can
 * check them against run_summary.json.
 */
export const HTML_REPORT_FILE = 'report.html';

export function htmlReport(data: ReportData): string {
  const { sample, summary, histogram } = data;
  const title = `virnucpro predict: ${sample}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p>virnucpro ${esc(summary.virnucpro)}, finished ${esc(summary.finishedAt)}; input <code>${esc(summary.input.path)}</code>${summary.shard === null ? '' : `, shard ${esc(summary.shard)}`}; model <code>${esc(summary.bundle.name)}</code>, chunk length ${summary.chunkLength}.</p>
${summary.warnings.map((warning) => `<p class="warning">${esc(warning)}</p>`).join('\n')}
<section id="counts">
<h2>Counts</h2>
${table(['count', 'value'], countRows(summary), 'counts-table')}
</section>
<section id="scores">
<h2>Chunk score distribution</h2>
<p>Chunks (with at least one kept frame) per bin of max_score2, their highest P(virus); red: called viral (max_score2 &ge; max_score1), blue: not viral.</p>
${histogramSvg(histogram)}
</section>
<section id="rates">
<h2>Per-stage rates over time</h2>
<p>Rows per second of each stage between two samples of the run (records read; frames through translation, the encoders and the classifier; rows written)${summary.resume.resumed ? '; this resumed run plots its own part' : ''}. ${n(summary.timing.framesPerSecond)} kept frames/s over ${summary.timing.seconds.toFixed(1)} s.</p>
${ratesSvg(summary.timing.series)}
${table(
  ['stage', 'rows', 'busy s', 'rows/s'],
  summary.timing.stages.map((stage) => [stage.name, n(stage.rows), stage.busySeconds.toFixed(2), n(stage.rowsPerSecond)]),
  'stages-table',
)}
</section>
<section id="options">
<h2>Options</h2>
<p><code>virnucpro ${esc(summary.arguments.join(' '))}</code></p>
${table(
  ['option', 'value'],
  Object.entries(summary.options).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]),
  'options-table',
)}
</section>
<section id="bundle">
<h2>Model bundle</h2>
${table(
  ['', ''],
  [
    ['name', summary.bundle.name],
    ['manifest', summary.bundle.manifest],
    ['manifest sha256', summary.bundle.manifestSha256],
    ['chunk length', String(summary.bundle.chunkLength)],
    ['meaningless', summary.bundle.meaningless ? 'yes (demo or test weights)' : 'no'],
    ...Object.entries(summary.bundle.files).map(([file, sha]) => [file, sha]),
  ],
  'bundle-table',
)}
</section>
</body>
</html>
`;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.9em}td,th{padding:.2em .8em;text-align:left;border-bottom:1px solid #eee}
td.num{text-align:right;font-variant-numeric:tabular-nums}code{font-size:.9em;word-break:break-all}
.warning{background:#fff3cd;border-left:4px solid #e0a800;padding:.4em .8em}
svg{display:block;margin:1em 0;max-width:100%;height:auto}svg text{font-size:11px;fill:#444}
.axis{stroke:#888}.grid{stroke:#eee}.viral{fill:#d9534f}.not-viral{fill:#5b8bd6}`;

const WIDTH = 720;
const HEIGHT = 300;
const MARGIN = { left: 64, right: 16, top: 16, bottom: 40 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
const STAGE_COLOURS = ['#7f7f7f', '#2ca02c', '#1f77b4', '#9467bd', '#ff7f0e', '#8c564b'];

function histogramSvg(histogram: ScoreHistogram): string {
  const totals = histogram.viral.map((viral, k) => viral + histogram.notViral[k]!);
  const top = niceCeiling(Math.max(1, ...totals));
  const y = (count: number): number => MARGIN.top + PLOT_H - (count / top) * PLOT_H;
  const barW = PLOT_W / histogram.bins;
  const bars = totals.map((total, k) => {
    const from = k / histogram.bins;
    const to = (k + 1) / histogram.bins;
    const viral = histogram.viral[k]!;
    const notViral = histogram.notViral[k]!;
    const x = MARGIN.left + k * barW;
    const label = `max_score2 ${fixed(from)}–${fixed(to)}: ${n(total)} chunks (${n(viral)} viral, ${n(notViral)} not viral)`;
    return (
      `<g class="bin" data-from="${fixed(from)}" data-to="${fixed(to)}" data-viral="${viral}" data-not-viral="${notViral}"><title>${label}</title>` +
      `<rect class="not-viral" x="${r(x + 1)}" y="${r(y(notViral))}" width="${r(barW - 2)}" height="${r(y(0) - y(notViral))}"/>` +
      `<rect class="viral" x="${r(x + 1)}" y="${r(y(total))}" width="${r(barW - 2)}" height="${r(y(notViral) - y(total))}"/></g>`
    );
  });
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((value) => ({ at: MARGIN.left + value * PLOT_W, label: String(value) }));
  return svg('score-histogram', 'Chunk score histogram', [...axes(xTicks, top, 'max_score2 (P(virus)) of the chunk', 'chunks'), ...bars]);
}

function ratesSvg(series: ReportSummary['timing']['series']): string {
  if (series === undefined) return '<p>Not recorded by the virnucpro version that ran this.</p>';
  const { seconds } = series;
  const stages = Object.entries(series.rows);
  const rates = stages.map(([, rows]) =>
    rows.slice(1).map((value, i) => (value - rows[i]!) / Math.max(seconds[i + 1]! - seconds[i]!, 1e-9)),
  );
  const top = niceCeiling(Math.max(1, ...rates.flat()));
  const end = Math.max(seconds[seconds.length - 1] ?? 0, 1e-9);
  const x = (t: number): number => MARGIN.left + (t / end) * PLOT_W;
  const y = (rate: number): number => MARGIN.top + PLOT_H - (rate / top) * PLOT_H;
  const lines = stages.map(([stage, rows], s) => {
    const points = rates[s]!.map((rate, i) => `${r(x(seconds[i + 1]!))},${r(y(rate))}`).join(' ');
    const colour = STAGE_COLOURS[s % STAGE_COLOURS.length];
    return (
      `<polyline data-stage="${esc(stage)}" data-rows="${rows[rows.length - 1] ?? 0}" data-rates="${rates[s]!.map((rate) => r(rate)).join(' ')}" ` +
      `fill="none" stroke="${colour}" stroke-width="2" points="${points}"><title>${esc(stage)}</title></polyline>` +
      `<text x="${WIDTH - MARGIN.right - 110}" y="${MARGIN.top + 14 * (s + 1)}" style="fill:${colour}">${esc(stage)}</text>`
    );
  });
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((share) => ({ at: MARGIN.left + share * PLOT_W, label: `${r(share * end)} s` }));
  return svg('stage-rates', 'Per-stage rates over time', [...axes(xTicks, top, 'seconds since the results started', 'rows/s'), ...lines]);
}

function axes(xTicks: readonly { at: number; label: string }[], top: number, xLabel: string, yLabel: string): string[] {
  const bottom = MARGIN.top + PLOT_H;
  const parts = [
    `<line class="axis" x1="${MARGIN.left}" y1="${bottom}" x2="${MARGIN.left + PLOT_W}" y2="${bottom}"/>`,
    `<line class="axis" x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}"/>`,
    ...xTicks.map(
      (tick, i) =>
        `<text x="${r(tick.at)}" y="${bottom + 16}" text-anchor="${i === xTicks.length - 1 ? 'end' : 'middle'}">${esc(tick.label)}</text>`,
    ),
    `<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 4}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(14 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  ];
  for (const share of [0, 0.5, 1]) {
    const at = MARGIN.top + PLOT_H - share * PLOT_H;
    parts.push(`<line class="grid" x1="${MARGIN.left + 1}" y1="${r(at)}" x2="${MARGIN.left + PLOT_W}" y2="${r(at)}"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${r(at + 4)}" text-anchor="end">${n(share * top)}</text>`);
  }
  return parts;
}

function svg(id: string, label: string, parts: readonly string[]): string {
  return `<svg id="${id}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${esc(label)}">\n${parts.join('\n')}\n</svg>`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[], id: string): string {
  const cell = (text: string): string => (/^-?[\d,.]+$/.test(text) ? `<td class="num">${esc(text)}</td>` : `<td>${esc(text)}</td>`);
  const head = header.some((h) => h !== '') ? `<thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>` : '';
  return `<table id="${id}">${head}<tbody>\n${rows.map((row) => `<tr>${row.map(cell).join('')}</tr>`).join('\n')}\n</tbody></table>`;
}

/** run_summary.json's counts, nested ones flattened (`recordsSkipped.emptyRecord`), as table rows. */
function countRows(summary: ReportSummary): string[][] {
  const rows: string[][] = [];
  const walk = (value: unknown, name: string): void => {
    if (typeof value === 'number') rows.push([name, n(value)]);
    else if (typeof value === 'object' && value !== null)
      for (const [key, inner] of Object.entries(value)) walk(inner, name ? `${name}.${key}` : key);
  };
  walk(summary.counts, '');
  return rows;
}

/** The smallest 1, 2 or 5 × 10^k at or above `value`: a round top for an axis. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((step) => step * power >= value) ?? 10) * power;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A count with thousands separators (en-US). */
function n(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function fixed(value: number): string {
  return value.toFixed(2);
}

/** A coordinate or rate with at most two decimals. */
function r(value: number): string {
  return String(Math.round(value * 100) / 100);
}
