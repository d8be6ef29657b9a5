import type { ChunkNames } from '../sequence/chunkBatch.js';
import { isViralChunk, type ConsensusRows } from './consensus.js';
import { RecordCallRollup, type RecordCall } from './recordCalls.js';

/**
 * How many chunks and reads of a run were called viral, not viral, or could not be called
 * (docs/predict.md, "Calls"): the counts run_summary.json and the closing summary give.
 */

/** One kind of unit by call. */
export interface CallSplit {
  /** Chunks: is_virus True. Reads: at least one chunk is. */
  readonly viral: number;
  /** Chunks: is_virus False. Reads: chunks with a call, none viral. */
  readonly notViral: number;
  /** Chunks: no kept frame (every frame has a stop, or is too short to translate). Reads: no chunk with a call. */
  readonly uncallable: number;
}

/** `chunks`: every chunk cut (reads sharing an id not merged); `reads`: every input record read (not the empty ones skipped). */
export interface CallCounts {
  readonly chunks: CallSplit;
  readonly reads: CallSplit;
}

export const NO_CALLS: CallCounts = { chunks: { viral: 0, notViral: 0, uncallable: 0 }, reads: { viral: 0, notViral: 0, uncallable: 0 } };

/** Counts `a` + `b`, field by field (parts of one input, as `virnucpro merge` sums them). */
export function addCalls(a: CallCounts, b: CallCounts): CallCounts {
  const add = (x: CallSplit, y: CallSplit): CallSplit => ({
    viral: x.viral + y.viral,
    notViral: x.notViral + y.notViral,
    uncallable: x.uncallable + y.uncallable,
  });
  return { chunks: add(a.chunks, b.chunks), reads: add(a.reads, b.reads) };
}

/**
 * Counts the calls of the result batches a writer writes, in order. Chunks are counted as their batch
 * comes; a read once its roll-up is complete ({@link RecordCallRollup}), so at the end of each input batch
 * the counts cover exactly the records written: what a commit records and a resume starts from.
 */
export class CallTally {
  readonly #rollup = new RecordCallRollup();
  readonly #chunks: { viral: number; notViral: number; uncallable: number };
  readonly #reads: { viral: number; notViral: number; uncallable: number };

  /** @param start the counts of the records already written (a resumed run's committed ones). */
  constructor(start: CallCounts = NO_CALLS) {
    this.#chunks = { ...start.chunks };
    this.#reads = { ...start.reads };
  }

  /**
   * Adds a batch written. `endsInputBatch`: it is the last of its input batch (it carries a checkpoint).
   * `onRecord` gets the roll-up of every record the batch completes.
   */
  add(batch: ConsensusRows & { readonly chunks: ChunkNames }, endsInputBatch: boolean, onRecord?: (call: RecordCall) => void): void {
    const { consensus } = batch;
    for (let k = 0; k < consensus.count; k++) {
      if (isViralChunk(consensus.maxScore1[k]!, consensus.maxScore2[k]!)) this.#chunks.viral += 1;
      else this.#chunks.notViral += 1;
    }
    this.#chunks.uncallable += batch.chunks.recordIndex.length - consensus.count;
    this.#rollup.add(batch, endsInputBatch, (call) => {
      if (call.viralChunks > 0) this.#reads.viral += 1;
      else if (call.chunks > 0) this.#reads.notViral += 1;
      else this.#reads.uncallable += 1;
      onRecord?.(call);
    });
  }

  /** The counts so far (reads: those whose roll-up is complete). */
  get counts(): CallCounts {
    return { chunks: { ...this.#chunks }, reads: { ...this.#reads } };
  }
}
