import { availableParallelism } from 'node:os';
import type { OptionSpec } from './args.js';

/** Threads default: seqkit's min(cores, 4) — more rarely helps the CPU stages and costs memory. */
export const DEFAULT_THREADS = Math.min(availableParallelism(), 4);

export const CHUNK_LENGTH_OPTION: OptionSpec = {
  type: 'string',
  short: 'l',
  value: '<300|500>',
  description: 'chunk (window) length in bases; must match the model (300_model.pth or 500_model.pth)',
  choices: ['300', '500'],
  default: '500',
};

/** --models of the commands that run models (embed, predict). */
export const MODELS_OPTION: OptionSpec = {
  type: 'string',
  short: 'm',
  value: '<dir|manifest.json>',
  description: 'model bundle: its directory or a manifest file (required)',
};

export const THREADS_OPTION: OptionSpec = {
  type: 'string',
  short: 'j',
  alias: 't',
  value: '<n>',
  description: 'worker threads for the CPU stages',
  integer: { min: 1, max: 256 },
  default: String(DEFAULT_THREADS),
  env: 'VIRNUCPRO_THREADS',
};

/** Shown in every command's help: how input is read. */
export const INPUT_HELP = `Input: one FASTA or FASTQ file, plain or gzip (detected from its first bytes, not its name: FASTQ when
the first character is '@'), or - / nothing for stdin. Record id = header text up to the first
whitespace; FASTA sequence lines are joined, spaces and CR dropped; FASTQ is four lines per record, its
qualities checked for length and otherwise ignored (the same calls as the same reads in FASTA). Empty
records are skipped with a warning; letters outside the IUPAC codes are warned about and treated like N;
binary data, protein FASTA, data before the first header and damaged FASTQ stop the run (exit 3).`;

/** Shown in help: the chunk and frame naming every output uses. */
export const NAMING_HELP = `Naming: a read is cut into overlapping windows <id>_chunk_<k> (k from 1; the original VirNucPro's
rule, its last window often shorter). Each window gets six frames, suffixed F1 F2 F3 (forward,
offsets 0-2) and R1 R2 R3 (reverse complement): read7_chunk_2R3. A frame is kept when its protein is
not empty and has no stop codon.`;
