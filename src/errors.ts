/**
 * Every error virnucpro raises on purpose is a {@link VirnucproError}: a stable `code`, an optional position
 * (file, 1-based line, record id) and an optional hint that says how to fix it. Errors cross worker threads as
 * plain data ({@link toErrorData}) and are rebuilt on the main thread ({@link fromErrorData}), because
 * structured clone drops subclasses and custom properties.
 */

/** Process exit codes, documented in `virnucpro --help` and README. */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  input: 3,
  model: 4,
  output: 5,
  resume: 6,
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Error codes, grouped by the exit code they map to. */
export const ERROR_EXIT = {
  USAGE: EXIT.usage,
  INPUT_NOT_FOUND: EXIT.input,
  FASTA_NO_HEADER: EXIT.input,
  FASTA_BINARY: EXIT.input,
  FASTA_PROTEIN: EXIT.input,
  FASTA_LINE_ENDINGS: EXIT.input,
  FASTQ_FORMAT: EXIT.input,
  INPUT_COMPRESSION: EXIT.input,
  GZIP_TRUNCATED: EXIT.input,
  GZIP_CORRUPT: EXIT.input,
  INPUT_READ: EXIT.input,
  BUNDLE_INVALID: EXIT.model,
  BUNDLE_MISMATCH: EXIT.model,
  MODEL_LOAD: EXIT.model,
  MODEL_RUN: EXIT.model,
  TOKENIZER_INVALID: EXIT.model,
  TOKENIZER_INPUT: EXIT.input,
  ROW_TOO_LONG: EXIT.input,
  WORKER_CRASHED: EXIT.internal,
  OUTPUT_WRITE: EXIT.output,
  OUTPUT_EXISTS: EXIT.output,
  OUTPUT_LOCKED: EXIT.output,
  RESUME_MISMATCH: EXIT.resume,
  RESUME_CORRUPT: EXIT.resume,
  /** `virnucpro merge`: a part unfinished or damaged, parts that do not belong together. */
  MERGE_REFUSED: EXIT.input,
  INTERRUPTED: EXIT.interrupted,
  INTERNAL: EXIT.internal,
} as const satisfies Record<string, ExitCode>;
export type ErrorCode = keyof typeof ERROR_EXIT;

/** Where in the input an error was found. `line` is 1-based. */
export interface ErrorPosition {
  readonly file?: string;
  readonly line?: number;
  readonly recordId?: string;
}

/** The plain-data form of a {@link VirnucproError}, safe to post between threads. */
export interface ErrorData {
  readonly code: ErrorCode;
  readonly message: string;
  readonly position?: ErrorPosition;
  readonly hint?: string;
}

export class VirnucproError extends Error {
  override readonly name = 'VirnucproError';
  readonly code: ErrorCode;
  readonly position: ErrorPosition | undefined;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, details: { position?: ErrorPosition; hint?: string; cause?: unknown } = {}) {
    super(formatMessage(message, details.position), details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.position = details.position;
    this.hint = details.hint;
  }

  /** The exit code the CLI uses for this error. */
  get exitCode(): ExitCode {
    return ERROR_EXIT[this.code];
  }
}

/** `reads.fa:1042: record 'r17': expected '>' but found 'A'` */
function formatMessage(message: string, position: ErrorPosition | undefined): string {
  if (!position) return message;
  let prefix = position.file ?? '';
  if (position.line !== undefined) prefix += `${prefix ? ':' : 'line '}${position.line}`;
  if (position.recordId !== undefined) prefix += `${prefix ? ': ' : ''}record '${position.recordId}'`;
  return prefix ? `${prefix}: ${message}` : message;
}

/** The message without its position prefix, for rebuilding an error elsewhere. */
function bareMessage(error: VirnucproError): string {
  const prefix = formatMessage('', error.position);
  return prefix && error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

export function toErrorData(error: unknown): ErrorData {
  if (error instanceof VirnucproError) {
    const data: ErrorData = { code: error.code, message: bareMessage(error) };
    return {
      ...data,
      ...(error.position ? { position: error.position } : {}),
      ...(error.hint !== undefined ? { hint: error.hint } : {}),
    };
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { code: 'INTERNAL', message };
}

export function fromErrorData(data: ErrorData): VirnucproError {
  return new VirnucproError(data.code, data.message, {
    ...(data.position ? { position: data.position } : {}),
    ...(data.hint !== undefined ? { hint: data.hint } : {}),
  });
}

/** True when `value` looks like {@link ErrorData} (a worker's reply that carries an error). */
export function isErrorData(value: unknown): value is ErrorData {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorData).code === 'string' &&
    (value as ErrorData).code in ERROR_EXIT &&
    typeof (value as ErrorData).message === 'string'
  );
}
