import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * `parseArgs` (strict: an unknown flag throws) for the bench scripts, plus `--help`, which lists the script's
 * options with their defaults and exits. The list is what test/tools/gpuScripts.test.ts checks the flags of
 * bench/gpu/*.sh against: a misspelt flag found on the GPU machine costs a machine start. What each option
 * means is in the script's header comment.
 */
export function parseBenchArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  if (process.argv.slice(2).includes('--help')) {
    console.log(`options of ${path.basename(process.argv[1] ?? 'this script')} (what they mean: its header comment):`);
    for (const [name, option] of Object.entries(config.options ?? {})) {
      const value = option.type === 'string' ? ' VALUE' : '';
      const fallback = option.default === undefined ? '' : `  (default ${String(option.default)})`;
      console.log(`  --${name}${value}${fallback}`);
    }
    process.exit(0);
  }
  return parseArgs(config);
}
