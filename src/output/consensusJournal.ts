import { VirnucproError } from '../errors.js';
import type { ClassifiedFrames } from '../classify/classification.js';
import type { ConsensusRows } from '../classify/consensus.js';
import { chunkId } from '../sequence/chunkBatch.js';
import { formatFloat32 } from './float32Text.js';

/**
 * The consensus journal of `predict -o DIR`: one line per chunk with kept frames, in input order, appended
 * as chunks complete: `<chunk id>\t<max score1>\t<max score2>\n`. Scores are the float32 shortest digits,
 * which read back to the exact float32, so the sorted file computed from the journal at the end equals one
 * computed from the scores themselves. Keeping the maxima (not just True/False) lets the sort merge
 * duplicate chunk ids exactly like the original's groupby (max over the union of their frames).
 */

/** One journal row. */
export interface ConsensusEntry {
  readonly id: string;
  readonly maxScore1: number;
  readonly maxScore2: number;
}

/** A batch's consensus rows as journal lines. */
export function journalRows(batch: ClassifiedFrames & ConsensusRows): string {
  const { consensus } = batch;
  let text = '';
  for (let k = 0; k < consensus.count; k++) {
    text += journalLine({
      id: chunkId(batch.chunks, consensus.chunk[k]!),
      maxScore1: consensus.maxScore1[k]!,
      maxScore2: consensus.maxScore2[k]!,
    });
  }
  return text;
}

export function journalLine(entry: ConsensusEntry): string {
  return `${entry.id}\t${formatFloat32(entry.maxScore1)}\t${formatFloat32(entry.maxScore2)}\n`;
}

/** Parses a journal line (without its newline). `file` and `line` name it in the error. */
export function parseJournalLine(text: string, file: string, line: number): ConsensusEntry {
  const second = text.lastIndexOf('\t');
  const first = text.lastIndexOf('\t', second - 1);
  const maxScore1 = score(text.slice(first + 1, second));
  const maxScore2 = score(text.slice(second + 1));
  if (first <= 0 || maxScore1 === undefined || maxScore2 === undefined) {
    throw new VirnucproError('RESUME_CORRUPT', `expected '<chunk id>\\t<score>\\t<score>', found '${text.slice(0, 80)}'`, {
      position: { file, line },
      hint: 'the output directory was changed after the run wrote it: start over with --force',
    });
  }
  return { id: text.slice(0, first), maxScore1: Math.fround(maxScore1), maxScore2: Math.fround(maxScore2) };
}

/** A score as formatFloat32 wrote it ('nan' included: a model that produced NaN is reported, not hidden). */
function score(text: string): number | undefined {
  if (text === 'nan') return NaN;
  const value = text === '' ? NaN : Number(text);
  return Number.isNaN(value) ? undefined : value;
}
