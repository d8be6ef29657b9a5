import { readFileSync } from 'node:fs';

/** virnucpro's version, from package.json: in the stdout header, run_summary.json and `--version`. */
export const VIRNUCPRO_VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
