import { parseArgs } from 'node:util';
import { VirnucproError } from '../errors.js';

/** One command-line option. `choices` and `integer` are checked here so commands get clean values. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Placeholder shown in help, e.g. `<dir>`. */
  readonly value?: string;
  readonly description: string;
  readonly default?: string | boolean;
  readonly choices?: readonly string[];
  /** Value must be an integer within [min, max]. */
  readonly integer?: { readonly min: number; readonly max?: number };
  /** Environment variable that supplies the default (seqkit style, e.g. VIRNUCPRO_THREADS). */
  readonly env?: string;
  /** Another one-letter spelling (-t for -j, as geNomad and many tools spell threads). */
  readonly alias?: string;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** Usage line after `virnucpro <name>`. */
  readonly usage: string;
  /** Paragraphs printed after the options: output columns, examples, the domain reference. */
  readonly details: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
}

export type ParsedValues = Record<string, string | boolean | undefined>;

export interface ParsedCommand {
  readonly values: ParsedValues;
  readonly positionals: readonly string[];
}

/** Options every command accepts. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  help: { type: 'boolean', short: 'h', description: 'show this help and exit' },
  version: { type: 'boolean', short: 'V', description: 'print the version and exit' },
  quiet: { type: 'boolean', short: 'q', description: 'no progress, warnings or summary on stderr (errors still print)' },
};

/** Parses argv for one command; errors name both spellings and the allowed values. */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): ParsedCommand {
  const all = { ...spec.options, ...COMMON_OPTIONS };
  const config = Object.fromEntries(
    Object.entries(all).flatMap(([name, o]) => [
      [name, o.short ? { type: o.type, short: o.short } : { type: o.type }],
      // parseArgs takes one short letter per option: an alias is parsed as an option of its own, then folded in.
      ...(o.alias ? [[aliasKey(name), { type: o.type, short: o.alias }]] : []),
    ]),
  );
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^.*?: /, '') : String(error);
    throw usageError(spec, message);
  }
  const values: ParsedValues = {};
  for (const [name, option] of Object.entries(all)) {
    const given = givenValue(spec, name, option, parsed.values);
    const fromEnv = option.env !== undefined ? process.env[option.env] : undefined;
    const value = given ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : option.default);
    if (typeof value === 'string') checkValue(spec, name, option, value, given === undefined ? option.env : undefined);
    values[name] = value;
  }
  return { values, positionals: parsed.positionals };
}

/** Internal parseArgs name of an option's alias; never a real option name (those are plain words). */
const aliasKey = (name: string): string => `${name} alias`;

/** The value given for `name` under its own spelling or its alias; both at once with different values is refused. */
function givenValue(spec: CommandSpec, name: string, option: OptionSpec, parsed: Record<string, unknown>): string | boolean | undefined {
  const own = parsed[name] as string | boolean | undefined;
  const alias = option.alias ? (parsed[aliasKey(name)] as string | boolean | undefined) : undefined;
  if (own !== undefined && alias !== undefined && own !== alias) {
    throw usageError(
      spec,
      `-${option.short}/-${option.alias}/--${name} given twice with different values (${String(own)} and ${String(alias)})`,
    );
  }
  return own ?? alias;
}

function checkValue(spec: CommandSpec, name: string, option: OptionSpec, value: string, fromEnv: string | undefined): void {
  const label = `${option.short ? `-${option.short}/` : ''}${option.alias ? `-${option.alias}/` : ''}--${name}`;
  const source = fromEnv ? ` (from ${fromEnv})` : '';
  if (option.choices && !option.choices.includes(value)) {
    throw usageError(spec, `invalid ${label} ${value}${source}: available ${option.choices.join(', ')}`);
  }
  if (option.integer) {
    const n = Number(value);
    const { min, max } = option.integer;
    if (!/^\d+$/.test(value) || n < min || (max !== undefined && n > max)) {
      const range = max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
      throw usageError(spec, `invalid ${label} ${value}${source}: expected ${range}`);
    }
  }
}

export function usageError(spec: CommandSpec, message: string): VirnucproError {
  return new VirnucproError('USAGE', message, { hint: `see 'virnucpro ${spec.name} --help'` });
}

/** Reads an integer option already validated by {@link parseCommand}. */
export function intOption(values: ParsedValues, name: string): number | undefined {
  const value = values[name];
  return typeof value === 'string' ? Number(value) : undefined;
}

/** Reads a string option. */
export function stringOption(values: ParsedValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** The one input argument: none or `-` means stdin (decided from arguments, never from isatty). */
export function inputArgument(spec: CommandSpec, positionals: readonly string[]): string {
  if (positionals.length > 1) {
    throw usageError(
      spec,
      `expected one input, got ${positionals.length}: ${positionals.join(' ')} (concatenate files with cat … | virnucpro ${spec.name} -)`,
    );
  }
  return positionals[0] ?? '-';
}

/** Help text: usage, summary, options with defaults, then the command's details. */
export function formatHelp(spec: CommandSpec): string {
  const rows = Object.entries({ ...spec.options, ...COMMON_OPTIONS }).map(([name, o]) => {
    const shorts = [o.short, o.alias]
      .filter((letter) => letter !== undefined)
      .map((letter) => `-${letter}, `)
      .join('');
    const flag = `${shorts || '    '}--${name}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''}`;
    const extras = [
      o.choices ? `one of ${o.choices.join(', ')}` : '',
      o.default !== undefined && o.default !== false ? `default ${String(o.default)}` : '',
      o.env ? `env ${o.env}` : '',
    ].filter(Boolean);
    return [flag, o.description + (extras.length ? ` (${extras.join('; ')})` : '')] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  const options = rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`).join('\n');
  return `Usage: virnucpro ${spec.name} ${spec.usage}\n\n${spec.summary}\n\nOptions:\n${options}\n\n${spec.details.trim()}\n`;
}
