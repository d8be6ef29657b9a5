/**
 * Credit units (docs/backpressure.md). One unit is one sequence byte; each record also costs a fixed
 * overhead so that millions of tiny records (ids, offsets, per-frame results) are accounted for too.
 * A record of L bases costs L + RECORD_OVERHEAD_UNITS units from the moment it is read until its last
 * output has been written.
 */
export const RECORD_OVERHEAD_UNITS = 256;

/** Units a batch of `count` records holding `bases` sequence bytes costs. */
export function batchUnits(bases: number, count: number): number {
  return bases + RECORD_OVERHEAD_UNITS * count;
}
