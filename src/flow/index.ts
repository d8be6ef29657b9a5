export { Credit, Lease, type Leased } from './credit.js';
export { creditedSource, type CreditedSourceOptions } from './creditedSource.js';
export { eachBatchAlone } from './eachBatchAlone.js';
export { mapInOrder } from './mapInOrder.js';
export { consumeBatches, writeBatches } from './sink.js';
export { RECORD_OVERHEAD_UNITS, batchUnits } from './units.js';
