/** Batch sizes on which test/model/support/crashingWorker.ts kills its thread (no model batch uses them otherwise). */
export const EXIT_ON_ROWS = 13;
export const THROW_ON_ROWS = 14;
