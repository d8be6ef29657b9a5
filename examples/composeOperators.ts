/**
 * Composing virnucpro's stage operators yourself, ending in a sink of your own: per read, how many of its
 * chunks the classifier calls viral. The operators are what `predict` runs; composing them lets you add,
 * drop or replace a stage (here the sink is a Map instead of the original's files).
 *
 *   npm run build && node dist/examples/composeOperators.js [reads.fa[.gz]] [bundle-dir]
 *
 * Defaults: examples/data/demo.fa and models/demo (random weights: the calls are meaningless).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chunkId, consumeBatches, isViralChunk, loadBundle } from 'virnucpro';
import {
  chunkConsensus,
  chunkReads,
  classifyFrames,
  embedNucleotides,
  embedProteins,
  readFasta,
  translateSixFrames,
} from 'virnucpro/operators';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const input = process.argv[2] ?? path.join(root, 'examples/data/demo.fa');
const bundle = await loadBundle(process.argv[3] ?? path.join(root, 'models/demo'));
// The bundle's tokenizers come parsed with it.
const { dna: dnaTokenizer, protein: proteinTokenizer } = bundle.tokenizers;

// Each operator starts its own model pool on subscribe and closes it at the end.
const results = readFasta(input).pipe(
  chunkReads({ chunkLength: bundle.chunkLength }),
  translateSixFrames({ threads: 1 }),
  embedNucleotides({ tokenizer: dnaTokenizer, model: bundle.dna }),
  embedProteins({ tokenizer: proteinTokenizer, model: bundle.protein }),
  classifyFrames({ model: bundle.classifier }),
  chunkConsensus(),
);

// The sink: consumeBatches calls the handler once per batch, in order, then releases the batch's credit
// lease, which is what lets readFasta read on (memory stays bounded however large the input).
const viralChunks = new Map<string, string[]>();
await consumeBatches(results, (batch) => {
  const { consensus } = batch;
  for (let k = 0; k < consensus.count; k++) {
    const id = chunkId(batch.chunks, consensus.chunk[k]!);
    const read = batch.chunks.ids[batch.chunks.recordIndex[consensus.chunk[k]!]!]!;
    if (!viralChunks.has(read)) viralChunks.set(read, []);
    if (isViralChunk(consensus.maxScore1[k]!, consensus.maxScore2[k]!)) viralChunks.get(read)!.push(id);
  }
});

for (const [read, chunks] of viralChunks) console.log(`${read}\t${chunks.length}\t${chunks.join(',')}`);
if (bundle.meaningless) console.error(`[WARN] bundle '${bundle.name}' is meaningless: so are these calls`);
