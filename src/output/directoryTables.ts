import type { DirectoryTableGroup } from './directoryTable.js';
import { SCORE_TABLES } from './scoreTables.js';

/**
 * The optional tables of `predict -o DIR`, each group with the option that asks for it: `virnucpro predict`
 * has a switch for each, the library's `-o` output a boolean of the same name, `--force` removes their files
 * and merge concatenates them. A new table is its module (a {@link DirectoryTableGroup}) and its line here.
 */
export const DIRECTORY_TABLE_GROUPS = [SCORE_TABLES] as const satisfies readonly DirectoryTableGroup[];

/** The switches of the listed groups, by option name (`{ scoreTables?: boolean }`). */
export type DirectoryTableSwitches = {
  readonly [G in (typeof DIRECTORY_TABLE_GROUPS)[number] as G['option']]?: boolean;
};

/**
 * The table groups an `-o` output asks for: the listed ones whose switch is on, then `extra` (listed groups
 * or the caller's own), each once, in that order. A TypeError when two would share an option, a state key or a file.
 */
export function chosenTableGroups(
  switches: DirectoryTableSwitches,
  extra: readonly DirectoryTableGroup[] = [],
): readonly DirectoryTableGroup[] {
  const groups = [...new Set([...DIRECTORY_TABLE_GROUPS.filter((group) => switches[group.option] === true), ...extra])];
  const tables = groups.flatMap((group) => group.tables);
  for (const [what, names] of [
    ['option', groups.map((group) => group.option)],
    ['key', tables.map((table) => table.key)],
    ['file', tables.map((table) => table.file)],
  ] as const) {
    const repeated = names.find((name, i) => names.indexOf(name) !== i);
    if (repeated !== undefined) throw new TypeError(`output tables: two tables have the ${what} '${repeated}'`);
  }
  return groups;
}
