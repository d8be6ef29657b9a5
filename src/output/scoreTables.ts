import type { ClassifiedFrames } from '../classify/classification.js';
import { isViralChunk, type ConsensusRows } from '../classify/consensus.js';
import { formatFloat32 } from './float32Text.js';
import { CHUNK_COLUMNS, chunkRows } from './predictionRows.js';

/**
 * The opt-in score tables of `virnucpro predict -o DIR` (docs/predict.md, "Score tables"): what downstream
 * users build by hand from the original's files, which lack the per-chunk maxima. Both are in input order,
 * one batch of rows at a time, tab-separated with a header, scores as float32 shortest digits.
 */

/** One row per chunk with a call: `chunk_id, is_virus (True/False), max_score1, max_score2` (not sorted, ids not merged). */
export const CHUNK_SCORES_FILE = 'chunk_scores.tsv';
export const CHUNK_SCORES_HEADER = `${CHUNK_COLUMNS.join('\t')}\n`;

/** One row per input record with a call: `sequence_id, chunks, viral_chunks, max_score2`. */
export const RECORD_SCORES_FILE = 'record_scores.tsv';
export const RECORD_SCORES_COLUMNS = ['sequence_id', 'chunks', 'viral_chunks', 'max_score2'] as const;
export const RECORD_SCORES_HEADER = `${RECORD_SCORES_COLUMNS.join('\t')}\n`;

/** A batch's rows of chunk_scores.tsv: the per-chunk consensus with both maxima (as stdout's TSV rows). */
export function chunkScoreRows(batch: ClassifiedFrames & ConsensusRows): string {
  return chunkRows(batch, 'tsv');
}

/** The record being rolled up: its naming data and index (a record's chunks may arrive in several batches). */
interface RecordTally {
  readonly ids: readonly string[];
  readonly record: number;
  chunks: number;
  viral: number;
  maxScore2: number;
}

/**
 * Rolls the per-chunk consensus up per input record: `chunks` with a call (at least one kept frame),
 * `viral_chunks` among them (is_virus True: max_score2 ≥ max_score1), `max_score2` the largest P(virus) of
 * its chunks. A record none of whose chunks kept a frame has no row (as in the original's files). Reads
 * with the same id get a row each. A record's row is written once its last chunk has been seen: with the
 * next record's first chunk, or at {@link flush}, which a writer calls at each input batch end (records
 * never straddle input batches) and at the end of the run.
 */
export class RecordRollup {
  #current: RecordTally | undefined;

  /** The rows of the records that `batch` completes. */
  add(batch: ClassifiedFrames & ConsensusRows): string {
    const { consensus, chunks: names } = batch;
    let text = '';
    for (let k = 0; k < consensus.count; k++) {
      const record = names.recordIndex[consensus.chunk[k]!]!;
      let tally = this.#current;
      if (tally === undefined || tally.ids !== names.ids || tally.record !== record) {
        text += this.flush();
        tally = { ids: names.ids, record, chunks: 0, viral: 0, maxScore2: consensus.maxScore2[k]! };
        this.#current = tally;
      }
      const max1 = consensus.maxScore1[k]!;
      const max2 = consensus.maxScore2[k]!;
      tally.chunks += 1;
      if (isViralChunk(max1, max2)) tally.viral += 1;
      // The consensus rule (src/classify/consensus.ts): the first score, then any larger one.
      if (max2 > tally.maxScore2) tally.maxScore2 = max2;
    }
    return text;
  }

  /** The row of the record in progress (empty when none): its chunks are complete. */
  flush(): string {
    const tally = this.#current;
    if (tally === undefined) return '';
    this.#current = undefined;
    return `${tally.ids[tally.record]!}\t${tally.chunks}\t${tally.viral}\t${formatFloat32(tally.maxScore2)}\n`;
  }
}
