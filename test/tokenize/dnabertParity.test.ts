import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { beforeAll, expect, it } from 'vitest';
import { prng } from '../../bench/support/syntheticFasta.js';
import { parseBpeTokenizer, type BpeTokenizer } from '../../src/tokenize/index.js';
import { describeShared, REPO_ROOT, sharedPath } from '../support/shared.js';
import { referenceEncode, type ReferenceTokenizerJson } from './referenceBpe.js';

// Parity with the real DNABERT-S tokenizer. Tolerance: none, ids must be identical.

const encoder = new TextEncoder();

/** Random sequences of 1..620 characters in the mixes frames and odd inputs have. Deterministic per seed. */
function randomSequences(count: number, seed: number, maxLength = 620): string[] {
  const random = prng(seed);
  const pick = (alphabet: string): string => alphabet[Math.floor(random() * alphabet.length)]!;
  const mixes: ((length: number) => string)[] = [
    (length) => Array.from({ length }, () => pick('ACGT')).join(''),
    (length) => {
      const nRate = random() * 0.2;
      return Array.from({ length }, () => (random() < nRate ? 'N' : pick('ACGT'))).join('');
    },
    (length) => Array.from({ length }, () => (random() < 0.05 ? pick('NRYKMSWBDHV') : pick('ACGT'))).join(''),
    (length) => Array.from({ length }, () => (random() < 0.1 ? pick('acgtn') : pick('ACGT'))).join(''),
    (length) => Array.from({ length }, () => (random() < 0.03 ? pick('-*') : pick('ACGTN'))).join(''),
    // Any ASCII class (punctuation, digits, _, whitespace, controls) and the specials' spelling: pins the
    // pre-tokenizer's \w / \s classes and the added-token split.
    (length) =>
      Array.from({ length }, () =>
        random() < 0.7
          ? pick('ACGT')
          : random() < 0.1
            ? '[SEP]'
            : pick(' \t\n\r\v\f\x00\x1c\x7f_0123456789!"#$%&\'()*+,-./:;<=>?@[\\]^`{|}~xyzXYZ'),
      ).join(''),
  ];
  return Array.from({ length: count }, (_, i) => mixes[i % mixes.length]!(1 + Math.floor(random() * maxLength)));
}

const TOKENIZER_FILE = sharedPath('models/dnabert-s/tokenizer.json');

describeShared('BpeTokenizer parity on the real DNABERT-S tokenizer.json', () => {
  // Read in beforeAll: a skipped suite (no ../shared) still runs this body to collect its tests.
  let text = '';
  let ours: BpeTokenizer;
  beforeAll(() => {
    text = readFileSync(TOKENIZER_FILE, 'utf8');
    ours = parseBpeTokenizer(text, TOKENIZER_FILE);
  });

  it('matches @huggingface/tokenizers 0.2.0 on 2 000 random sequences of 1..620 characters', () => {
    const hf = new HfTokenizer(JSON.parse(text) as object, {});
    let bases = 0;
    for (const sequence of randomSequences(2000, 20261129)) {
      bases += sequence.length;
      const expected = hf.encode(sequence).ids;
      expect(Array.from(ours.encode(encoder.encode(sequence))), JSON.stringify(sequence)).toEqual(expected);
    }
    expect(bases).toBeGreaterThan(550_000); // the workload really ran
  });

  it('matches the naive reference on 120 random sequences of 1..200 characters', () => {
    const json = JSON.parse(text) as ReferenceTokenizerJson;
    for (const sequence of randomSequences(120, 7, 200)) {
      expect(Array.from(ours.encode(encoder.encode(sequence))), JSON.stringify(sequence)).toEqual(
        referenceEncode(json, sequence, [1], [2]),
      );
    }
  });

  it('pins a few rows of the real vocabulary', () => {
    const ids = (sequence: string): number[] => Array.from(ours.encode(encoder.encode(sequence)));
    expect(ids('')).toEqual([1, 2]);
    expect(ids('A')).toEqual([1, 5, 2]);
    expect(ids('AA')).toEqual([1, 9, 2]); // "A A" is merge 0
    expect(ids('N')).toEqual([1, 0, 2]);
    expect(ids('AC-GT')).toEqual([1, ...ids('AC').slice(1, -1), 0, ...ids('GT').slice(1, -1), 2]);
  });
});

/**
 * Reference ids from the Python `tokenizers` package (the library DNABERT-S runs with), generated on the
 * GPU machine into test/fixtures/tokenizer/*.jsonl.gz: one `{"seq": "...", "ids": [...]}` per line.
 */
const REFERENCE_DIR = path.join(REPO_ROOT, 'test/fixtures/tokenizer');
const referenceFiles = readdirSync(REFERENCE_DIR).filter((name) => name.endsWith('.jsonl.gz'));

describeShared('BpeTokenizer parity with Python tokenizers reference ids', () => {
  let ours: BpeTokenizer;
  beforeAll(() => {
    ours = parseBpeTokenizer(readFileSync(TOKENIZER_FILE, 'utf8'), TOKENIZER_FILE);
  });

  for (const name of referenceFiles) {
    it(`matches every row of ${name}`, () => {
      const lines = gunzipSync(readFileSync(path.join(REFERENCE_DIR, name)))
        .toString('utf8')
        .split('\n')
        .filter(Boolean);
      for (const line of lines) {
        const row = JSON.parse(line) as { seq: unknown; ids: unknown };
        expect(typeof row.seq, 'each line holds {"seq": string, "ids": number[]}').toBe('string');
        const sequence = row.seq as string;
        expect(Array.from(ours.encode(encoder.encode(sequence))), JSON.stringify(sequence)).toEqual(row.ids);
      }
      expect(lines.length).toBeGreaterThan(0);
    });
  }
  if (referenceFiles.length === 0) {
    console.warn(`[skip] Python reference ids: no ${REFERENCE_DIR}/*.jsonl.gz yet (generated on the GPU machine)`);
    it.skip('matches the Python reference file (test/fixtures/tokenizer/*.jsonl.gz, missing)', () => undefined);
  }
});
