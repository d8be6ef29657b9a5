#!/usr/bin/env node
import { availableParallelism } from 'node:os';
import { EXIT, VirnucproError, type ExitCode } from '../errors.js';
import { formatHelp, parseCommand } from './args.js';
import type { Command } from './command.js';
import { createLogger } from './log.js';
import { isBrokenPipe } from '../output/outputStream.js';
import { COMMANDS } from './commands.js';
import { VIRNUCPRO_VERSION as VERSION } from '../pipeline/version.js';

function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length)) + 2;
  const list = COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`).join('\n');
  return `virnucpro ${VERSION}: VirNucPro viral short-sequence identification, streaming.

Usage: virnucpro <command> [options] [<input>|-]

Commands:
${list}

Input is FASTA or FASTQ, plain or gzip (detected from content), a path or - for stdin (the default).
Results go to stdout; progress, warnings and summaries to stderr. ${availableParallelism()} cores seen.
Run 'virnucpro <command> --help' for a command's options, output columns and exit codes;
'virnucpro --version' (or -V, also after a command) prints the version.
`;
}

async function main(argv: readonly string[]): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    // No command is a usage error (a script that lost its arguments must not pass): usage on stderr, exit 2.
    process.stderr.write(globalHelp());
    return EXIT.usage;
  }
  if (name === '-h' || name === '--help' || name === 'help') {
    const target = name === 'help' ? COMMANDS.find((c) => c.spec.name === rest[0]) : undefined;
    process.stdout.write(target ? formatHelp(target.spec) : globalHelp());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command: Command | undefined = COMMANDS.find((c) => c.spec.name === name);
  const quiet = rest.includes('-q') || rest.includes('--quiet');
  // A log file (stderr not a terminal, as in a cluster job) gets a time stamp on every line.
  const log = createLogger({ quiet, timestamps: !process.stderr.isTTY });
  if (!command) {
    log.error(`unknown command '${name}': available ${COMMANDS.map((c) => c.spec.name).join(', ')} (see virnucpro --help)`);
    return EXIT.usage;
  }
  const stop = new AbortController();
  let interrupts = 0;
  // A later signal never exits on the spot: process.exit() while a model worker is inside onnxruntime tears
  // the native session down under it and aborts the process ("terminate called after throwing an instance
  // of 'Napi::Error'", SIGABRT). The first signal's stop already drops the work in flight and closes the
  // workers, which takes a batch at most (kill -9 is always safe for the files: every commit is durable).
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    if (interrupts > 1) {
      log.warn(`${signal} received again: already stopping (the model workers finish their current batch)`);
      return;
    }
    log.warn(`${signal} received: stopping at the next clean point`);
    stop.abort(new VirnucproError('INTERRUPTED', `interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const args = parseCommand(command.spec, rest);
    if (args.values['help']) {
      process.stdout.write(formatHelp(command.spec));
      return EXIT.ok;
    }
    if (args.values['version']) {
      process.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    return await command.run(args, { log, signal: stop.signal });
  } catch (error) {
    return reportError(error, log);
  }
}

function reportError(error: unknown, log: ReturnType<typeof createLogger>): ExitCode {
  if (isBrokenPipe(error)) return EXIT.ok;
  if (error instanceof VirnucproError) {
    log.error(error.message + (error.hint ? `\n${error.hint}` : ''));
    return error.exitCode;
  }
  log.error(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return EXIT.internal;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`[ERRO] ${String(error)}\n`);
    process.exitCode = EXIT.internal;
  },
);
