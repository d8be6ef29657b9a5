/**
 * stderr logging, seqkit style: data goes only to stdout, messages to stderr tagged [INFO]/[WARN]/[ERRO].
 * `quiet` silences info and warnings, never errors.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  readonly quiet: boolean;
}

export function createLogger(options: { quiet?: boolean; stream?: NodeJS.WritableStream } = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const quiet = options.quiet ?? false;
  const write = (tag: string, message: string): void => {
    stream.write(message.split('\n').map((line) => `[${tag}] ${line}`).join('\n') + '\n');
  };
  return {
    quiet,
    info: (message) => (quiet ? undefined : write('INFO', message)),
    warn: (message) => (quiet ? undefined : write('WARN', message)),
    error: (message) => write('ERRO', message),
  };
}
