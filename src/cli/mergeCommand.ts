import { EXIT } from '../errors.js';
import { HIGHEST_SCORE_FILE, PREDICTION_RESULTS_FILE } from '../output/predictionDirectory.js';
import { mergeRuns } from '../output/shardMerge.js';
import { usageError, type CommandSpec } from './args.js';
import { EXIT_CODES_HELP, type Command } from './command.js';
import { callsLine } from '../output/summaryLines.js';
import { VIRNUCPRO_VERSION as VERSION } from '../pipeline/version.js';

const spec: CommandSpec = {
  name: 'merge',
  summary: 'gather the -o directories of shards (or of parts of one input) into the files of one run',
  usage: '[--force] <out> <dir>...',
  options: {
    force: { type: 'boolean', description: 'replace the merged results in a non-empty <out> (other files stay)' },
  },
  details: `Writes to <out> what 'virnucpro predict -o <out>' over the whole input writes, byte for byte:
prediction_results.txt (the parts' frame rows in input order) and prediction_results_highestscore.csv
(sorted, chunk ids that repeat across parts merged as the original's groupby merges them), plus
run_summary.json (the parts, summed counts; docs/predict.md, "Merging shards").

The parts: the -o directories of 'virnucpro predict --shard K/N' runs over one file, in any order (all N
shards must be there, once each, of the same unchanged file), or of runs over files split in input order
(seqkit split2 -s), given in input order. Every part must have finished (a run interrupted is finished
with --resume first), with the same bundle and chunk length; otherwise nothing is written (exit 3).

Examples:
  for k in 1 2 3 4; do virnucpro predict -m bundle-500 --shard $k/4 -o shard$k reads.fa; done
  virnucpro merge results shard1 shard2 shard3 shard4

${EXIT_CODES_HELP}`,
};

export const mergeCommand: Command = {
  spec,
  async run({ values, positionals }, { log, signal }) {
    const [out, ...dirs] = positionals;
    if (out === undefined || dirs.length === 0)
      throw usageError(spec, 'expected an output directory and at least one -o directory to merge');
    const summary = await mergeRuns(out, dirs, {
      force: values['force'] === true,
      version: VERSION,
      arguments: process.argv.slice(2),
      signal,
    });
    const c = summary.counts;
    log.info(
      `merged ${dirs.length} ${summary.input === null ? 'parts' : `shards of ${summary.input.path}`} into ${out}: ` +
        `${c.recordsRead.toLocaleString('en-US')} records, ${c.rowsWritten[PREDICTION_RESULTS_FILE]!.toLocaleString('en-US')} frame rows, ` +
        `${c.rowsWritten[HIGHEST_SCORE_FILE]!.toLocaleString('en-US')} consensus rows` +
        (c.duplicateChunkIdsMerged > 0 ? ` (${c.duplicateChunkIdsMerged.toLocaleString('en-US')} rows of repeated chunk ids merged)` : ''),
    );
    log.info(callsLine(c.calls));
    return EXIT.ok;
  },
};
