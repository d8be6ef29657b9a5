import { readFasta } from '../../operators/readFasta.js';
import { chunkReads, type ChunkLength } from '../../operators/chunkReads.js';
import { translateSixFramesText } from '../../operators/translateSixFramesText.js';
import { EXIT } from '../errors.js';
import { FastaStats } from '../fasta/fastaStats.js';
import { consumeBatches } from '../flow/sink.js';
import type { FrameTextFormat } from '../sequence/formatFrames.js';
import { inputArgument, intOption, stringOption, usageError, type CommandSpec } from './args.js';
import { EXIT_CODES_HELP, type Command } from './command.js';
import { openOutputFile, openStdout, withHeader, type OutputStream } from '../output/outputStream.js';
import { PROGRESS_INTERVAL_OPTION, progressInterval, RunReport } from './runReport.js';
import { CHUNK_LENGTH_OPTION, INPUT_HELP, NAMING_HELP, THREADS_OPTION } from './sharedOptions.js';

const spec: CommandSpec = {
  name: 'translate',
  summary: 'six-frame translation of the chunks; prints the frames that reach the models',
  usage: '[options] [<input>|-]',
  options: {
    'chunk-length': CHUNK_LENGTH_OPTION,
    format: { type: 'string', short: 'f', value: '<tsv|fasta>', description: 'output format', choices: ['tsv', 'fasta'], default: 'tsv' },
    'nucleotide-out': {
      type: 'string',
      value: '<file>',
      description: "with --format fasta: the original's nucleotide FASTA (default: stdout)",
    },
    'protein-out': { type: 'string', value: '<file>', description: "with --format fasta: the original's protein FASTA" },
    threads: THREADS_OPTION,
    'progress-interval': PROGRESS_INTERVAL_OPTION,
  },
  details: `Output (--format tsv, the default): a header line, then one line per kept frame, in the original's
order (reads in input order, chunks by k, frames F1 F2 F3 R1 R2 R3):
  frame_id <TAB> nucleotide <TAB> protein
nucleotide is the slice the original sends to DNABERT-S (3P+1 bases from the frame offset, clipped at the
chunk end), upper case; protein is what goes to ESM-2. Codons with letters other than A/C/G/T are
dropped from the protein (no X), as in the original.

--format fasta writes the original's two files instead: --nucleotide-out (stdout when not given) and
--protein-out (only when given), one-line sequences; FASTA has no header line (a '>' line is a record).

${NAMING_HELP}

${INPUT_HELP}

Examples:
  virnucpro translate reads.fa > frames.tsv
  zcat reads.fa.gz | virnucpro translate -l 300 - | cut -f1,3
  virnucpro translate -f fasta --nucleotide-out nt.fa --protein-out aa.faa reads.fa

${EXIT_CODES_HELP}`,
};

/** An output stream and the text format written to it (the workers write the text). */
interface FrameSink {
  readonly out: OutputStream;
  readonly format: FrameTextFormat;
}

/** The TSV's column header (FASTA has none: its files are the original's, header lines are records there). */
export const FRAME_TSV_HEADER = 'frame_id\tnucleotide\tprotein\n';

async function frameSinks(values: Record<string, string | boolean | undefined>): Promise<FrameSink[]> {
  const nucleotideOut = stringOption(values, 'nucleotide-out');
  const proteinOut = stringOption(values, 'protein-out');
  if (stringOption(values, 'format') === 'tsv') {
    if (nucleotideOut !== undefined || proteinOut !== undefined) {
      throw usageError(spec, '--nucleotide-out and --protein-out need --format fasta');
    }
    return [{ out: openStdout(), format: 'tsv' }];
  }
  const file = (path: string | undefined): Promise<OutputStream> | OutputStream =>
    path === undefined || path === '-' ? openStdout() : openOutputFile(path);
  const sinks: FrameSink[] = [{ out: await file(nucleotideOut), format: 'fasta-nucleotide' }];
  if (proteinOut !== undefined) sinks.push({ out: await file(proteinOut), format: 'fasta-protein' });
  return sinks;
}

export const translateCommand: Command = {
  spec,
  async run({ values, positionals }, { log, signal }) {
    const input = inputArgument(spec, positionals);
    const intervalSeconds = progressInterval(spec, values);
    const chunkLength = intOption(values, 'chunk-length') as ChunkLength;
    const threads = intOption(values, 'threads');
    const sinks = await frameSinks(values);
    const outputs = sinks.map((sink) => withHeader(sink.out, sink.format === 'tsv' ? FRAME_TSV_HEADER : undefined));
    const stats = new FastaStats();
    const counts = { chunks: 0, frames: 0 };
    const report = new RunReport(log, input, stats, counts, { intervalSeconds });
    const frames = readFasta(input, { stats, signal, onWarning: (w) => log.warn(w.message) }).pipe(
      chunkReads({ chunkLength, signal }),
      // Nothing reads the records after translation, and the workers write the text: the main thread only
      // parses, chunks and writes.
      translateSixFramesText({
        ...(threads !== undefined ? { threads } : {}),
        formats: sinks.map((sink) => sink.format),
        transferBases: true,
        signal,
      }),
    );
    try {
      await consumeBatches(frames, async (batch) => {
        counts.chunks += batch.chunks.recordIndex.length;
        counts.frames += batch.count;
        await Promise.all(sinks.map((sink, k) => outputs[k]!.write(batch.text[sink.format])));
      });
      await Promise.all(outputs.map((output) => output.finish()));
    } finally {
      for (const sink of sinks) sink.out.stream.destroy();
    }
    report.finish('translate');
    return EXIT.ok;
  },
};
