import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { isViralChunk } from '../classify/consensus.js';
import { outputError } from './appendFile.js';

/** Bins of the score histogram over [0, 1]: 0.05 wide. */
export const SCORE_BINS = 20;

/**
 * How the chunks' scores are distributed: per bin of the chunk's max_score2 (its highest P(virus) over its
 * kept frames), the chunks called viral and not viral. Bin k holds [k/20, (k+1)/20), the last one 1 too.
 */
export interface ScoreHistogram {
  readonly bins: number;
  readonly viral: readonly number[];
  readonly notViral: readonly number[];
}

/** Frame suffixes in the order a chunk's kept frames are written (a chunk restarts the order). */
const FRAME_RANK: Readonly<Record<string, number>> = { F1: 0, F2: 1, F3: 2, R1: 3, R2: 4, R3: 5 };

/**
 * The histogram of a run's chunk scores, from its `prediction_results.txt` (every kept frame of the run,
 * resumed parts included): a chunk is a run of consecutive rows with the same chunk id and frames in
 * F1 … R3 order (so two reads sharing an id count apart, as the chunk rows of stdout do); its max_score1 and
 * max_score2 are the largest frame scores, its call is the consensus rule's. Reads the file once, as a
 * stream.
 */
export async function scoreHistogram(predictionResults: string): Promise<ScoreHistogram> {
  const viral = new Array<number>(SCORE_BINS).fill(0);
  const notViral = new Array<number>(SCORE_BINS).fill(0);
  let chunk: string | undefined;
  let rank = -1;
  let max1 = 0;
  let max2 = 0;
  const close = (): void => {
    if (chunk === undefined) return;
    const bin = Math.min(SCORE_BINS - 1, Math.floor(max2 * SCORE_BINS));
    (isViralChunk(max1, max2) ? viral : notViral)[bin]! += 1;
  };
  const lines = createInterface({ input: createReadStream(predictionResults, { encoding: 'latin1' }), crlfDelay: Infinity });
  try {
    let header = true;
    for await (const line of lines) {
      if (header || line === '') {
        header = false;
        continue;
      }
      const [frame, , score1, score2] = line.split('\t');
      const id = frame!.slice(0, -2);
      const frameRank = FRAME_RANK[frame!.slice(-2)] ?? 0;
      // Scores are written as float32 shortest digits: fround gives back the exact float32 the rule compared.
      const s1 = Math.fround(Number(score1));
      const s2 = Math.fround(Number(score2));
      if (id !== chunk || frameRank <= rank) {
        close();
        chunk = id;
        max1 = s1;
        max2 = s2;
      } else {
        if (s1 > max1) max1 = s1;
        if (s2 > max2) max2 = s2;
      }
      rank = frameRank;
    }
  } catch (error) {
    throw outputError(predictionResults, error as NodeJS.ErrnoException, 'cannot read the results back for the report');
  }
  close();
  return { bins: SCORE_BINS, viral, notViral };
}
