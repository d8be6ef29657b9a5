// The stage operators of virnucpro (`virnucpro/operators`): compose them for a pipeline of your own, or use
// `predict` from the main entry for the whole thing. Every operator passes each batch's credit lease on; end
// the pipeline with consumeBatches or writeBatches (main entry), which release them.

/** The source of every pipeline: FASTA (plain or gzip) in credit-holding record batches. */
export { readFasta, DEFAULT_READ_FASTA, DEFAULT_CREDIT_UNITS, type FastaBatch, type ReadFastaOptions } from './readFasta.js';
/** The original's overlapping windows (`<id>_chunk_<k>`, quirks kept): what every later stage is keyed by. */
export { chunkReads, DEFAULT_CHUNK_READS, type ChunkLength, type ChunkReadsOptions } from './chunkReads.js';
/** Six-frame identification on worker threads: the frames (and their nucleotide slices) that reach the models. */
export { translateSixFrames, DEFAULT_TRANSLATE_SIX_FRAMES, type TranslateSixFramesOptions } from './translateSixFrames.js';
/** DNABERT-S and ESM-2 features of every kept frame (or any bundle encoder's: embedFrames), packed by token length on an inference pool. */
export {
  embedFrames,
  embedNucleotides,
  embedProteins,
  type Embedded,
  type DnaEmbedded,
  type ProteinEmbedded,
  type EmbedFramesOptions,
} from './embedFrames.js';
/** One embedding per whole record (what `virnucpro embed` prints), DNA or protein. */
export { embedSequences, type SequenceEmbedded } from './embedSequences.js';
/** The engine behind the embedding operators, for a batch type of your own (pick its rows with a RowSelector). */
export { embedRows } from './embedRows.js';
/** VirNucPro's classifier on [DNA | protein] features: score1 = P(others), score2 = P(virus) per frame. */
export { classifyFrames, DEFAULT_CLASSIFY_FRAMES, DEFAULT_CLASSIFY_BATCH_ROWS, type ClassifyFramesOptions } from './classifyFrames.js';
/** The original's per-chunk call: max scores over a chunk's kept frames, viral iff max score2 ≥ max score1. */
export { chunkConsensus, type ChunkConsensusOptions } from './chunkConsensus.js';
