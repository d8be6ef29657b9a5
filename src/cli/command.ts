import type { CommandSpec, ParsedCommand } from './args.js';
import type { Logger } from './log.js';
import type { ExitCode } from '../errors.js';

/** What every command gets besides its arguments. */
export interface CommandContext {
  readonly log: Logger;
  /** Aborted on the first SIGINT/SIGTERM: commands stop at a clean point and return. */
  readonly signal: AbortSignal;
}

/** A subcommand: its spec (options, help) and what it does. One file per command in src/cli/. */
export interface Command {
  readonly spec: CommandSpec;
  run(args: ParsedCommand, context: CommandContext): Promise<ExitCode>;
}

/** Shown at the end of every command's --help. */
export const EXIT_CODES_HELP = `Exit codes:
  0    success (also when the reader of stdout closed it early, e.g. | head)
  1    internal error (a bug: please report it with the command line)
  2    usage error (unknown option, invalid value)
  3    input error (missing file, not FASTA, binary data, truncated gzip, protein FASTA)
  4    model error (bundle invalid or mismatched, model failed to load or run)
  5    output error (cannot write, output directory not empty or in use by another run)
  6    resume refused (input, bundle or options changed since the interrupted run)
  130  interrupted (SIGINT/SIGTERM)`;
