/**
 * stderr logging, seqkit style: data goes only to stdout, messages to stderr tagged [INFO]/[WARN]/[ERRO].
 * `quiet` silences info and warnings, never errors. With `timestamps` (the CLI sets it when stderr is not a
 * terminal: a cluster job's log file) every line starts with its UTC time in ISO 8601, milliseconds
 * included: `2026-12-07T12:37:30.123Z [INFO] …`.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  readonly quiet: boolean;
  /** Whether lines carry a time stamp (stderr is not a terminal). */
  readonly timestamps: boolean;
}

export function createLogger(options: { quiet?: boolean; timestamps?: boolean; stream?: NodeJS.WritableStream } = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const quiet = options.quiet ?? false;
  const timestamps = options.timestamps ?? false;
  const write = (tag: string, message: string): void => {
    const prefix = timestamps ? `${new Date().toISOString()} [${tag}] ` : `[${tag}] `;
    stream.write(
      message
        .split('\n')
        .map((line) => prefix + line)
        .join('\n') + '\n',
    );
  };
  return {
    quiet,
    timestamps,
    info: (message) => (quiet ? undefined : write('INFO', message)),
    warn: (message) => (quiet ? undefined : write('WARN', message)),
    error: (message) => write('ERRO', message),
  };
}
