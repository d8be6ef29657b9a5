import { readFasta } from '../../operators/readFasta.js';
import { chunkReads, type ChunkLength } from '../../operators/chunkReads.js';
import { EXIT } from '../errors.js';
import { FastaStats } from '../fasta/fastaStats.js';
import { consumeBatches } from '../flow/sink.js';
import { formatChunksFasta } from '../sequence/formatChunks.js';
import { inputArgument, intOption, type CommandSpec } from './args.js';
import { EXIT_CODES_HELP, type Command } from './command.js';
import { finishOutput, openStdout, writeOutput } from '../output/outputStream.js';
import { PROGRESS_INTERVAL_OPTION, progressInterval, RunReport } from './runReport.js';
import { CHUNK_LENGTH_OPTION, INPUT_HELP, NAMING_HELP } from './sharedOptions.js';

const spec: CommandSpec = {
  name: 'chunk',
  summary: "cut reads into the original VirNucPro's overlapping windows; FASTA on stdout",
  usage: '[options] [<input>|-]',
  options: { 'chunk-length': CHUNK_LENGTH_OPTION, 'progress-interval': PROGRESS_INTERVAL_OPTION },
  details: `Output: FASTA, one record per chunk, id <read id>_chunk_<k>, sequence in 60-column lines (as the
original's chunk file), case as read. No header line: in FASTA a '>' line is a record.

Threads: none to use (no -j/-t): reading and cutting run on one thread at the speed of the input.

${NAMING_HELP}

${INPUT_HELP}

Example:
  virnucpro chunk -l 300 reads.fa.gz > chunks.fa

${EXIT_CODES_HELP}`,
};

export const chunkCommand: Command = {
  spec,
  async run({ values, positionals }, { log, signal }) {
    const input = inputArgument(spec, positionals);
    const intervalSeconds = progressInterval(spec, values);
    const chunkLength = intOption(values, 'chunk-length') as ChunkLength;
    const stats = new FastaStats();
    const counts = { chunks: 0, frames: 0 };
    const report = new RunReport(log, input, stats, counts, { intervalSeconds });
    const out = openStdout();
    const chunks = readFasta(input, { stats, signal, onWarning: (w) => log.warn(w.message) }).pipe(chunkReads({ chunkLength, signal }));
    try {
      await consumeBatches(chunks, (batch) => {
        counts.chunks += batch.count;
        return writeOutput(out, formatChunksFasta(batch));
      });
      await finishOutput(out);
    } finally {
      out.stream.destroy();
    }
    report.finish('chunk');
    return EXIT.ok;
  },
};
