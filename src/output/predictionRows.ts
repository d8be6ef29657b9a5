import type { ClassifiedFrames } from '../classify/classification.js';
import { framePrediction } from '../classify/classification.js';
import { isViralChunk, type ConsensusRows } from '../classify/consensus.js';
import { chunkId } from '../sequence/chunkBatch.js';
import { frameId } from '../sequence/frameBatch.js';
import { formatFloat32 } from './float32Text.js';

/**
 * Result rows as text, per batch: the original VirNucPro's two files (semantics §8) and the stdout formats
 * of `virnucpro predict` (docs/predict.md). One string per batch; ids are ASCII (the reader refuses other
 * header bytes), so callers encode with latin1.
 */

/** `prediction_results.txt`: the original's header. */
export const PREDICTION_RESULTS_HEADER = 'Sequence_ID\tPrediction\tscore1\tscore2\n';
/** `prediction_results_highestscore.csv` (tab-separated despite the name): the original's header. */
export const HIGHEST_SCORE_HEADER = 'Modified_ID\tIs_Virus\n';

/** A batch's frames as the original's prediction_results.txt rows: id, virus/others, score1, score2. */
export function predictionResultsRows(batch: ClassifiedFrames): string {
  let text = '';
  for (let i = 0; i < batch.count; i++) {
    const score1 = batch.score1[i]!;
    const score2 = batch.score2[i]!;
    text += `${frameId(batch, i)}\t${framePrediction(score1, score2)}\t${formatFloat32(score1)}\t${formatFloat32(score2)}\n`;
  }
  return text;
}

/** One row of the original's consensus file: `<chunk id>\tTrue|False`. */
export function highestScoreRow(id: string, maxScore1: number, maxScore2: number): string {
  return `${id}\t${isViralChunk(maxScore1, maxScore2) ? 'True' : 'False'}\n`;
}

/** Output formats of `virnucpro predict` on stdout. */
export type StreamFormat = 'tsv' | 'jsonl';
export const STREAM_FORMATS: readonly StreamFormat[] = ['tsv', 'jsonl'];

/** Column names of the stdout formats (TSV header line, JSONL keys). */
export const CHUNK_COLUMNS = ['chunk_id', 'is_virus', 'max_score1', 'max_score2'] as const;
export const FRAME_COLUMNS = ['frame_id', 'prediction', 'score1', 'score2'] as const;

/** The TSV header line of `--per-frame` (frames) or the default (chunks). */
export function streamHeader(perFrame: boolean): string {
  return `${(perFrame ? FRAME_COLUMNS : CHUNK_COLUMNS).join('\t')}\n`;
}

/**
 * Consensus rows of a batch for stdout, in frame order (not sorted, duplicates not merged: each chunk as it
 * completes). TSV: `chunk_id, is_virus (True/False), max_score1, max_score2`; JSONL: the same keys, booleans
 * and numbers (the float32 digits, valid JSON).
 */
export function chunkRows(batch: ClassifiedFrames & ConsensusRows, format: StreamFormat): string {
  const { consensus } = batch;
  let text = '';
  for (let k = 0; k < consensus.count; k++) {
    const id = chunkId(batch.chunks, consensus.chunk[k]!);
    const max1 = consensus.maxScore1[k]!;
    const max2 = consensus.maxScore2[k]!;
    const viral = isViralChunk(max1, max2);
    text +=
      format === 'tsv'
        ? `${id}\t${viral ? 'True' : 'False'}\t${formatFloat32(max1)}\t${formatFloat32(max2)}\n`
        : `{"chunk_id":${JSON.stringify(id)},"is_virus":${viral},"max_score1":${jsonNumber(max1)},"max_score2":${jsonNumber(max2)}}\n`;
  }
  return text;
}

/** Frame rows of a batch for stdout (`--per-frame`): `frame_id, prediction (virus/others), score1, score2`. */
export function frameRows(batch: ClassifiedFrames, format: StreamFormat): string {
  if (format === 'tsv') return predictionResultsRows(batch);
  let text = '';
  for (let i = 0; i < batch.count; i++) {
    const score1 = batch.score1[i]!;
    const score2 = batch.score2[i]!;
    text +=
      `{"frame_id":${JSON.stringify(frameId(batch, i))},"prediction":"${framePrediction(score1, score2)}",` +
      `"score1":${jsonNumber(score1)},"score2":${jsonNumber(score2)}}\n`;
  }
  return text;
}

/** float32 digits as a JSON number; NaN (a broken model) becomes null, which JSON can hold. */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? formatFloat32(value) : 'null';
}
