/**
 * virnucpro inside an ETL script: every FASTA record becomes one JSON line enriched with a per-read viral
 * call joined from the per-chunk consensus, streamed in input order and in bounded memory (a read is written
 * as soon as the batch that completes it has been classified, marked by `batch.checkpoint`).
 *
 *   npm run build && node dist/examples/etlEnrich.js [reads.fa[.gz]] [bundle-dir] > reads.enriched.jsonl
 *
 * Defaults: examples/data/demo.fa and models/demo (random weights: the calls are meaningless). A line:
 *   {"id":"read7","chunks":3,"chunksWithKeptFrames":2,"viralChunks":1,"viral":true,"maxVirusScore":0.81}
 * A read is called viral here when any of its chunks is (the original calls chunks, not reads).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { consumeBatches, formatFloat32, isViralChunk, predict, type PredictionBatch } from 'virnucpro';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const input = process.argv[2] ?? path.join(root, 'examples/data/demo.fa');
const bundle = process.argv[3] ?? path.join(root, 'models/demo');

interface ReadSummary {
  chunks: number;
  chunksWithKeptFrames: number;
  viralChunks: number;
  maxVirusScore: number | null;
}

// The records of the input batch being completed (an input batch may arrive in several parts); their ids
// are `batch.chunks.ids`, and every chunk, kept frames or not, is listed in `batch.chunks.recordIndex`.
let pending: { ids: readonly string[]; reads: ReadSummary[] } | undefined;

function add(batch: PredictionBatch): void {
  const { chunks, consensus } = batch;
  if (pending?.ids !== chunks.ids) {
    pending = {
      ids: chunks.ids,
      reads: chunks.ids.map(() => ({ chunks: 0, chunksWithKeptFrames: 0, viralChunks: 0, maxVirusScore: null })),
    };
  }
  for (const record of chunks.recordIndex) pending.reads[record]!.chunks += 1;
  for (let k = 0; k < consensus.count; k++) {
    const read = pending.reads[chunks.recordIndex[consensus.chunk[k]!]!]!;
    read.chunksWithKeptFrames += 1;
    if (isViralChunk(consensus.maxScore1[k]!, consensus.maxScore2[k]!)) read.viralChunks += 1;
    // The float32 score with the digits the original prints (a float32 read as a double has more).
    read.maxVirusScore = Math.max(read.maxVirusScore ?? 0, Number(formatFloat32(consensus.maxScore2[k]!)));
  }
}

await consumeBatches(predict(input, { bundle }), (batch) => {
  add(batch);
  if (!batch.checkpoint) return; // more parts of this input batch to come
  const lines = pending!.ids.map((id, r) => JSON.stringify({ id, ...pending!.reads[r]!, viral: pending!.reads[r]!.viralChunks > 0 }));
  pending = undefined;
  // Returning the write's promise keeps the batch's credit until stdout has taken the lines.
  return new Promise<void>((resolve, reject) =>
    process.stdout.write(`${lines.join('\n')}\n`, (error) => (error ? reject(error) : resolve())),
  );
});
