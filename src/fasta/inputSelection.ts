import { formatShard, type Shard } from './shard.js';

/**
 * Which part of an input a run reads (today: one shard of a file, or all of it). The options of `predict`
 * and `runPredict` extend it and hand it on whole, to the reader, to the check that the input opens and to
 * the run's identity, so that another way to select input is added here and where it is read, not in each
 * layer between.
 */
export interface InputSelection {
  /**
   * Read only this shard of a plain file (src/fasta/shard.ts): `input` must be a path. `virnucpro merge`
   * gathers the -o directories of all N. Default: all of it.
   */
  readonly shard?: Shard;
}

/** The selection as the run's identity records it (a resume must select the same): `{ shard: 'K/N' }`, `{}` for all. */
export interface SelectionIdentity {
  /** The shard read (`K/N`), when not the whole input. */
  readonly shard?: string;
}

/** The selection among `options` (the other fields left out), to hand on whole. */
export function inputSelection(options: InputSelection): InputSelection {
  return options.shard !== undefined ? { shard: options.shard } : {};
}

/** Whether the selection is the whole input. */
export function wholeInput(selection: InputSelection): boolean {
  return selection.shard === undefined;
}

export function selectionIdentity(selection: InputSelection): SelectionIdentity {
  return selection.shard !== undefined ? { shard: formatShard(selection.shard) } : {};
}
