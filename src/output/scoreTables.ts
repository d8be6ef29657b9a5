import type { ClassifiedFrames } from '../classify/classification.js';
import type { ConsensusRows } from '../classify/consensus.js';
import type { RecordCall } from '../classify/recordCalls.js';
import type { DirectoryTableGroup } from './directoryTable.js';
import { formatFloat32 } from './float32Text.js';
import { CHUNK_COLUMNS, chunkRows } from './predictionRows.js';

/**
 * The opt-in score tables of `virnucpro predict -o DIR --score-tables` (docs/predict.md, "Score tables"):
 * what downstream users build by hand from the original's files, which lack the per-chunk maxima and say
 * nothing of reads without a call. Both are in input order, tab-separated with a header, scores as float32
 * shortest digits; reads sharing an id are not merged.
 */

/** One row per chunk with a call: `chunk_id, is_virus (True/False), max_score1, max_score2`. */
export const CHUNK_SCORES_FILE = 'chunk_scores.tsv';
export const CHUNK_SCORES_HEADER = `${CHUNK_COLUMNS.join('\t')}\n`;

/** One row per input record, uncallable ones included: `sequence_id, chunks, viral_chunks, max_score2`. */
export const RECORD_SCORES_FILE = 'record_scores.tsv';
export const RECORD_SCORES_COLUMNS = ['sequence_id', 'chunks', 'viral_chunks', 'max_score2'] as const;
export const RECORD_SCORES_HEADER = `${RECORD_SCORES_COLUMNS.join('\t')}\n`;
/** max_score2 of a record without a chunk with a call (R and pandas read it as missing). */
export const NO_SCORE = 'NA';

/** A batch's rows of chunk_scores.tsv: the per-chunk consensus with both maxima (as stdout's TSV rows). */
export function chunkScoreRows(batch: ClassifiedFrames & ConsensusRows): string {
  return chunkRows(batch, 'tsv');
}

/** A record's row of record_scores.tsv: `chunks` with a call, `viral_chunks` among them, their largest max_score2. */
export function recordScoreRow(call: RecordCall): string {
  const score = call.chunks === 0 ? NO_SCORE : formatFloat32(call.maxScore2);
  return `${call.ids[call.record]!}\t${call.chunks}\t${call.viralChunks}\t${score}\n`;
}

/** `--score-tables`: both tables, as the directory writes, resumes and merges them (src/output/directoryTable.ts). */
export const SCORE_TABLES = {
  option: 'scoreTables',
  flag: 'score-tables',
  description:
    'with -o: also write chunk_scores.tsv (both max scores per chunk) and record_scores.tsv (a row per input record, uncallable ones too)',
  needsDir: 'the tables are files in it (stdout has the per-chunk scores)',
  title: 'score tables',
  tables: [
    {
      key: 'chunkScores',
      file: CHUNK_SCORES_FILE,
      digests: 'chunk_scores.sha256',
      header: CHUNK_SCORES_HEADER,
      rows: ({ batch }) => chunkScoreRows(batch),
      count: ({ rows }) => rows.chunks,
    },
    {
      key: 'recordScores',
      file: RECORD_SCORES_FILE,
      digests: 'record_scores.sha256',
      header: RECORD_SCORES_HEADER,
      rows: ({ records }) => records.map(recordScoreRow).join(''),
      count: ({ calls }) => calls.reads.viral + calls.reads.notViral + calls.reads.uncallable,
    },
  ],
} as const satisfies DirectoryTableGroup;
