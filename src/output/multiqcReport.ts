import type { ReportData } from './reportData.js';

/**
 * MultiQC custom content (https://multiqc.info/docs/custom_content/) for a `predict -o DIR` run: files named
 * `*_mqc.json` that `multiqc DIR…` picks up with no configuration. Three of them: General Statistics columns,
 * the chunk score distribution (a line per sample) and the per-stage throughput (a table), the last two
 * under one "VirNucPro" section. Each file is one sample's: MultiQC gathers a project's runs by sample name.
 */

/** The files, in the order they are written. */
export const MULTIQC_FILES = ['virnucpro_general_stats_mqc.json', 'virnucpro_scores_mqc.json', 'virnucpro_throughput_mqc.json'] as const;

const SECTION = {
  parent_id: 'virnucpro',
  parent_name: 'VirNucPro',
  parent_description: 'Viral short-sequence identification (virnucpro predict): chunk calls and run throughput.',
};

/** The contents of {@link MULTIQC_FILES}, as JSON text, in the same order. */
export function multiqcFiles(data: ReportData): string[] {
  const { sample, summary, histogram } = data;
  const { reads, chunks } = summary.counts.calls;
  const generalStats = {
    id: 'virnucpro_general_stats',
    plot_type: 'generalstats',
    pconfig: [
      { virnucpro_reads: { title: 'Reads', description: 'Input records read (virnucpro)', format: '{:,.0f}', scale: 'Blues' } },
      {
        virnucpro_viral_reads: {
          title: 'Viral reads',
          description: 'Reads with at least one chunk called viral (virnucpro)',
          format: '{:,.0f}',
          scale: 'Reds',
        },
      },
      {
        virnucpro_viral_reads_pct: {
          title: '% viral reads',
          description: 'Viral reads among the reads read (virnucpro)',
          suffix: '%',
          min: 0,
          max: 100,
          format: '{:,.1f}',
          scale: 'OrRd',
        },
      },
      {
        virnucpro_uncallable_reads: {
          title: 'Uncallable reads',
          description: 'Reads without a chunk that kept a frame: no call (virnucpro)',
          format: '{:,.0f}',
          scale: 'Greys',
        },
      },
      {
        virnucpro_viral_chunks: {
          title: 'Viral chunks',
          description: 'Chunks called viral (virnucpro)',
          format: '{:,.0f}',
          scale: 'Reds',
          hidden: true,
        },
      },
      {
        virnucpro_callable_chunks: {
          title: 'Callable chunks',
          description: 'Chunks with at least one kept frame, so a call (virnucpro)',
          format: '{:,.0f}',
          scale: 'Greens',
          hidden: true,
        },
      },
    ],
    data: {
      [sample]: {
        virnucpro_reads: summary.counts.recordsRead,
        virnucpro_viral_reads: reads.viral,
        virnucpro_viral_reads_pct: summary.counts.recordsRead > 0 ? round((100 * reads.viral) / summary.counts.recordsRead, 2) : 0,
        virnucpro_uncallable_reads: reads.uncallable,
        virnucpro_viral_chunks: chunks.viral,
        virnucpro_callable_chunks: chunks.viral + chunks.notViral,
      },
    },
  };
  const width = 1 / histogram.bins;
  const scores = {
    id: 'virnucpro_scores',
    ...SECTION,
    section_name: 'Chunk score distribution',
    description: `Chunks per bin of their max_score2 (highest P(virus) over the chunk's kept frames), bins ${width} wide; a chunk is called viral when max_score2 >= max_score1.`,
    plot_type: 'linegraph',
    pconfig: {
      id: 'virnucpro_scores_plot',
      title: 'VirNucPro: chunk score distribution',
      xlab: 'max_score2 (bin centre)',
      ylab: 'Chunks',
      xmin: 0,
      xmax: 1,
      ymin: 0,
    },
    data: {
      [sample]: Object.fromEntries(histogram.viral.map((count, k) => [round((k + 0.5) * width, 4), count + histogram.notViral[k]!])),
    },
  };
  const stages = summary.timing.stages;
  const throughput = {
    id: 'virnucpro_throughput',
    ...SECTION,
    section_name: 'Throughput per stage',
    description: `Rows per second of each stage's busy time (records read; frames through translation, both encoders and the classifier; rows written), and the run's wall time and kept frames per second.`,
    plot_type: 'table',
    pconfig: { id: 'virnucpro_throughput_table', title: 'VirNucPro: throughput per stage' },
    headers: {
      wall_seconds: { title: 'Wall s', description: 'Seconds this process ran', format: '{:,.1f}' },
      frames_per_second: { title: 'Frames/s', description: 'Kept frames per second of wall time', format: '{:,.0f}' },
      ...Object.fromEntries(
        stages.map((stage) => [
          stage.name,
          { title: `${stage.name} /s`, description: `${stage.name}: rows per busy second`, format: '{:,.0f}' },
        ]),
      ),
    },
    data: {
      [sample]: {
        wall_seconds: round(summary.timing.seconds, 2),
        frames_per_second: round(summary.timing.framesPerSecond, 1),
        ...Object.fromEntries(stages.map((stage) => [stage.name, stage.rowsPerSecond])),
      },
    },
  };
  return [generalStats, scores, throughput].map((content) => `${JSON.stringify(content, null, 2)}\n`);
}

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}
