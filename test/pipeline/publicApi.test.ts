import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Observable, OperatorFunction } from 'rxjs';
import * as main from 'virnucpro';
import * as operators from 'virnucpro/operators';
import type {
  ClassifiedFrames,
  ConsensusRows,
  FrameBatch,
  InputCheckpoint,
  Leased,
  ModelBundle,
  PredictionBatch,
  PredictOptions,
} from 'virnucpro';
import type { DnaEmbedded, FastaBatch, ProteinEmbedded } from 'virnucpro/operators';

// The package's public surface, as a user imports it (package.json "exports": '.' and './operators').
describe('public entry points', () => {
  it('export the pipeline, its sinks and formats from the main entry, and every stage operator from ./operators', () => {
    for (const name of [
      'runPredict',
      'summaryLines',
      'predict',
      'startPredictModels',
      'PredictStats',
      'planThreads',
      'consumeBatches',
      'writeBatches',
      'Credit',
      'loadBundle',
      'startInferencePool',
      'loadEncoderTokenizer',
      'frameId',
      'chunkId',
      'isViralChunk',
      'framePrediction',
      'formatFloat32',
      'PredictionDirectory',
      'sortConsensus',
      'mergeRuns',
      'predictionResultsRows',
      'chunkRows',
      'frameRows',
      'VirnucproError',
      'EXIT',
    ]) {
      expect(main, name).toHaveProperty(name);
    }
    expect(
      Object.keys(operators)
        .filter((name) => typeof (operators as Record<string, unknown>)[name] === 'function')
        .sort(),
    ).toEqual([
      'chunkConsensus',
      'chunkReads',
      'classifyFrames',
      'embedFrames',
      'embedNucleotides',
      'embedProteins',
      'embedRows',
      'embedSequences',
      'readFasta',
      'translateSixFrames',
    ]);
  });

  it('type the one-call stream and its batches', () => {
    expectTypeOf(main.predict).parameters.toEqualTypeOf<[string | AsyncIterable<Uint8Array>, PredictOptions]>();
    expectTypeOf(main.predict).returns.toEqualTypeOf<Observable<PredictionBatch>>();
    expectTypeOf<PredictionBatch>().toMatchTypeOf<ClassifiedFrames & ConsensusRows & Leased>();
    expectTypeOf<PredictionBatch['checkpoint']>().toEqualTypeOf<InputCheckpoint | undefined>();
    expectTypeOf<PredictOptions['bundle']>().toEqualTypeOf<ModelBundle | string>();
    expectTypeOf(main.consumeBatches<PredictionBatch>)
      .parameter(1)
      .toEqualTypeOf<(batch: PredictionBatch) => void | Promise<void>>();
    // @ts-expect-error a chunk length the classifiers were not trained for
    expect(() => main.predict('reads.fa', { bundle: 'b', chunkLength: 400 })).toThrow(TypeError);
  });

  it('type the stages so that they only compose in pipeline order', () => {
    type Frames = FrameBatch & Leased;
    expectTypeOf(operators.readFasta).returns.toEqualTypeOf<Observable<FastaBatch>>();
    expectTypeOf(operators.chunkReads).returns.toMatchTypeOf<OperatorFunction<FastaBatch, unknown>>();
    expectTypeOf(operators.translateSixFrames).returns.toEqualTypeOf<OperatorFunction<main.ChunkBatch & Leased, Frames>>();
    expectTypeOf(operators.embedNucleotides<Frames>).returns.toEqualTypeOf<OperatorFunction<Frames, DnaEmbedded<Frames>>>();
    type Embedded = ProteinEmbedded<DnaEmbedded<Frames>>;
    expectTypeOf(operators.classifyFrames<Embedded>).returns.toMatchTypeOf<OperatorFunction<Embedded, ClassifiedFrames & Leased>>();
    expectTypeOf(operators.chunkConsensus<ClassifiedFrames & Leased>()).toEqualTypeOf<
      OperatorFunction<ClassifiedFrames & Leased, ClassifiedFrames & Leased & ConsensusRows>
    >();
    // @ts-expect-error the classifier needs both embeddings
    expectTypeOf(operators.classifyFrames<DnaEmbedded<Frames>>).toBeFunction();
    // @ts-expect-error consensus needs classified frames
    expectTypeOf(operators.chunkConsensus<Frames>).toBeFunction();
  });
});
