import { VirnucproError } from '../errors.js';
import type { ChunkNames } from '../sequence/chunkBatch.js';
import { isViralChunk, type ConsensusRows } from './consensus.js';

/**
 * The calls of one input record, rolled up from its chunks' consensus rows (docs/predict.md, "Calls"):
 * the run summary counts reads by it, and record_scores.tsv lists it.
 */
export interface RecordCall {
  /** The record's id: `ids[record]` of its batch's naming data. */
  readonly ids: readonly string[];
  readonly record: number;
  /** Chunks with a call (at least one kept frame); 0: the record is uncallable. */
  readonly chunks: number;
  /** Chunks among them called viral (max_score2 ≥ max_score1). */
  readonly viralChunks: number;
  /** The largest max_score2 of its chunks (the consensus rule: the first, then any larger); NaN when it has none. */
  readonly maxScore2: number;
}

interface Tally {
  readonly ids: readonly string[];
  readonly record: number;
  chunks: number;
  viralChunks: number;
  maxScore2: number;
}

/**
 * Rolls a stream of result batches up per input record, every chunk counted (those without a kept frame
 * too: `batch.chunks` names all of them), so a record whose chunks all lack a call still gets its roll-up.
 * A record's chunks may come in several batches (a giant record is split into parts); its roll-up is
 * complete at the next record's first chunk, or at the end of its input batch (records never straddle
 * input batches), which the caller says.
 */
export class RecordCallRollup {
  #current: Tally | undefined;

  /**
   * Adds a batch; calls `done` for every record it completes. `endsInputBatch`: the batch is the last of its
   * input batch (a PredictionBatch with a checkpoint), so its last record is complete too.
   */
  add(batch: ConsensusRows & { readonly chunks: ChunkNames }, endsInputBatch: boolean, done: (call: RecordCall) => void): void {
    const { consensus, chunks: names } = batch;
    let k = 0;
    for (let chunk = 0; chunk < names.recordIndex.length; chunk++) {
      const record = names.recordIndex[chunk]!;
      let tally = this.#current;
      if (tally === undefined || tally.ids !== names.ids || tally.record !== record) {
        if (tally !== undefined) done(tally);
        tally = { ids: names.ids, record, chunks: 0, viralChunks: 0, maxScore2: NaN };
        this.#current = tally;
      }
      if (k < consensus.count && consensus.chunk[k] === chunk) {
        const max1 = consensus.maxScore1[k]!;
        const max2 = consensus.maxScore2[k]!;
        if (isViralChunk(max1, max2)) tally.viralChunks += 1;
        if (tally.chunks === 0 || max2 > tally.maxScore2) tally.maxScore2 = max2;
        tally.chunks += 1;
        k += 1;
      }
    }
    if (k !== consensus.count)
      throw new VirnucproError('INTERNAL', `consensus rows of ${names.source} name chunks outside their batch, or out of order`);
    if (endsInputBatch) this.flush(done);
  }

  /** Completes the record in progress, if any. */
  flush(done: (call: RecordCall) => void): void {
    const tally = this.#current;
    this.#current = undefined;
    if (tally !== undefined) done(tally);
  }
}
