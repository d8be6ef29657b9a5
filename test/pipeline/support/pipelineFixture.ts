import { readFileSync } from 'node:fs';
import path from 'node:path';
import { map, type Observable } from 'rxjs';
import { chunkReads } from '../../../operators/chunkReads.js';
import { readFasta, type ReadFastaOptions } from '../../../operators/readFasta.js';
import { translateSixFrames } from '../../../operators/translateSixFrames.js';
import type { Leased } from '../../../src/flow/credit.js';
import type { ClassifierModel } from '../../../src/model/modelSpec.js';
import type { EmbeddedFrames } from '../../../src/classify/classification.js';
import { frameId } from '../../../src/sequence/frameBatch.js';
import { REPO_ROOT } from '../../support/shared.js';

/**
 * test/fixtures/pipeline: the 37-read input and what PyTorch computed on it with the fixture models
 * (features, logits, float32 softmax scores, labels, and the original's two output files).
 */
export const PIPELINE_DIR = path.join(REPO_ROOT, 'test/fixtures/pipeline');
export const MODELS_DIR = path.join(REPO_ROOT, 'test/fixtures/models');
export const READS = path.join(PIPELINE_DIR, 'reads.fa');
/** Widths of the fixture encoders (DNABERT-S-style 48, ESM-2-style 64) and so of the classifier input. */
export const FIXTURE_DNA_HIDDEN = 48;
export const FIXTURE_PROTEIN_HIDDEN = 64;

export type FixtureChunkLength = 300 | 500;

/** float32 models on two runtimes (PyTorch made the reference): a few float32 ulps of O(1) values. */
export const SCORE_TOLERANCE = 1e-5;

/**
 * Two probabilities closer than float noise between runtimes: the label is a coin toss between PyTorch and
 * onnxruntime. The fixture has one such case per chunk length (at 500 read_12_chunk_1F1, logits 6e-8 apart,
 * which onnxruntime's MLP reverses; at 300 twelve G/C-repeat frames with identical features): the generator
 * shifts the classifier's virus bias to the median logit gap, so the median frame sits on the tie by
 * construction. Labels and consensus calls are compared everywhere else.
 */
export function isNearTie(others: number, virus: number): boolean {
  return Math.abs(others - virus) <= 2 * SCORE_TOLERANCE;
}

export interface ReferenceFrame {
  readonly id: string;
  readonly features: number[];
  readonly logits: number[];
  readonly scores: number[];
  readonly prediction: 'virus' | 'others';
}

export function referenceFrames(chunkLength: FixtureChunkLength): ReferenceFrame[] {
  const text = readFileSync(path.join(PIPELINE_DIR, `chunk${chunkLength}`, 'frames.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const raw = JSON.parse(line) as {
        id: string;
        features: string[];
        logits: string[];
        scores: string[];
        prediction: 'virus' | 'others';
      };
      return {
        id: raw.id,
        prediction: raw.prediction,
        features: raw.features.map(Number),
        logits: raw.logits.map(Number),
        scores: raw.scores.map(Number),
      };
    });
}

/** One of the reference output files, as text. */
export function referenceOutput(
  chunkLength: FixtureChunkLength,
  file: 'prediction_results.txt' | 'prediction_results_highestscore.csv',
): string {
  return readFileSync(path.join(PIPELINE_DIR, `chunk${chunkLength}`, file), 'latin1');
}

/** The fixture classifier as a hand-written model spec (no bundle, so no tokenizer from ../shared needed). */
export function fixtureClassifier(chunkLength: FixtureChunkLength): ClassifierModel {
  return {
    kind: 'classifier',
    label: 'classifier',
    file: path.join(MODELS_DIR, `classifier_${chunkLength}.onnx`),
    input: 'features',
    output: 'logits',
    inputWidth: FIXTURE_DNA_HIDDEN + FIXTURE_PROTEIN_HIDDEN,
  };
}

/**
 * reads.fa through the real reader, chunker and translator, with each kept frame's embeddings taken from the
 * PyTorch reference (looked up by frame id, so the frame naming is checked on the way): the input
 * classifyFrames gets in a real run, without running the encoders.
 */
export function fixtureEmbedded(
  chunkLength: FixtureChunkLength,
  read: ReadFastaOptions = {},
  maxBatchChunks?: number,
): Observable<EmbeddedFrames & Leased> {
  const byId = new Map(referenceFrames(chunkLength).map((frame) => [frame.id, frame.features]));
  return readFasta(READS, read).pipe(
    chunkReads({ chunkLength, ...(maxBatchChunks ? { maxBatchChunks } : {}) }),
    translateSixFrames({ threads: 1 }),
    map((batch) => {
      const dnaEmbeddings = new Float32Array(batch.count * FIXTURE_DNA_HIDDEN);
      const proteinEmbeddings = new Float32Array(batch.count * FIXTURE_PROTEIN_HIDDEN);
      for (let i = 0; i < batch.count; i++) {
        const features = byId.get(frameId(batch, i));
        if (!features) throw new Error(`frame ${frameId(batch, i)} is not in the reference`);
        dnaEmbeddings.set(features.slice(0, FIXTURE_DNA_HIDDEN), i * FIXTURE_DNA_HIDDEN);
        proteinEmbeddings.set(features.slice(FIXTURE_DNA_HIDDEN), i * FIXTURE_PROTEIN_HIDDEN);
      }
      return { ...batch, dnaEmbeddings, dnaHidden: FIXTURE_DNA_HIDDEN, proteinEmbeddings, proteinHidden: FIXTURE_PROTEIN_HIDDEN };
    }),
  );
}
