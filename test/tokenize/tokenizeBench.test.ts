import { readFileSync } from 'node:fs';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { expect, it } from 'vitest';
import { TOKENIZE_BENCH_WORKLOADS, dnabertTokenizerFile, workloadFrames } from '../../bench/micro/tokenize.bench.js';
import { parseBpeTokenizer } from '../../src/tokenize/index.js';
import { describeShared } from '../support/shared.js';

/** Token totals of the bench/micro/tokenize.bench.ts workloads: the counts its tasks assert. */
const PINNED_TOKENS: Record<string, number> = {
  '150-bp read frames (49 b)': 39_965,
  '300-bp chunk frames (299 b)': 40_402,
  '500-bp chunk frames (499 b)': 44_041,
};

describeShared('tokenize benchmark workloads (bench/micro/tokenize.bench.ts)', () => {
  it.each(TOKENIZE_BENCH_WORKLOADS)('$name encodes to the pinned token total, ours and the library alike', (workload) => {
    expect(workload.tokens).toBe(PINNED_TOKENS[workload.name]);
    const text = readFileSync(dnabertTokenizerFile(), 'utf8');
    const ours = parseBpeTokenizer(text, dnabertTokenizerFile());
    const library = new HfTokenizer(JSON.parse(text) as object, {});
    const frames = workloadFrames(workload);
    expect(frames.length).toBe(workload.frames);
    expect(frames.every((frame) => frame.length === workload.length)).toBe(true);
    let oursTotal = 0;
    let libraryTotal = 0;
    for (const frame of frames) {
      oursTotal += ours.encode(frame).length;
      libraryTotal += library.encode(Buffer.from(frame).toString('latin1')).ids.length;
    }
    expect(libraryTotal).toBe(workload.tokens);
    expect(oursTotal).toBe(workload.tokens);
  });
});
