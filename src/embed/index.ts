// The embedding stage without RxJS: operators/embedRows.ts drives it; bench/ and tests use it directly.
/** The engine: tokenize → pack → pad → pool → scatter → emit in input order. */
export { EmbeddingEngine, type EmbeddingEngineSettings, type EmbeddingSink } from './embeddingEngine.js';
/** Options every embedding operator takes, their defaults and the resolution that validates them. */
export { resolveEmbedOptions, DEFAULT_EMBED, DEFAULT_LINGER_MS, IN_FLIGHT_PER_WORKER, type EmbedOptions, type EmbedModel, type ResolvedEmbedOptions } from './embedOptions.js';
/** Which bytes are the rows: frame nucleotides, frame proteins, whole records, or a selector of your own. */
export { FRAME_NUCLEOTIDES, FRAME_PROTEINS, RECORD_SEQUENCES, type RowSelector, type RowTable } from './rowSelector.js';
/** A bundle encoder's tokenizer, and the pad id a tokenizer implies. */
export { loadEncoderTokenizer, padIdOf } from './encoderTokenizer.js';
/** Embedding text for people and other tools: shortest round-trip float32 decimals, `id<TAB>values` lines. */
export { formatFloat32, formatEmbeddingLines } from './formatFloat32.js';
