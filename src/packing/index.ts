// Token-budget packing for the model stages: pure, synchronous, no RxJS (the embedding operators drive it).
export {
  TokenPacker,
  DEFAULT_TOKEN_PACKER,
  DEFAULT_TOKEN_BUDGET,
  DEFAULT_PACKING_WINDOW,
  MAX_PACKING_WINDOW,
  MAX_ROW_TOKENS,
  resolveTokenPackerOptions,
  type PackedBatch,
  type TokenPackerOptions,
  type ResolvedTokenPackerOptions,
} from './tokenPacker.js';
export { GroupAssembler } from './groupAssembler.js';
export { PackingStats, batchEfficiency, type PackingStatsJSON } from './packingStats.js';
