import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { prng } from '../../bench/support/syntheticFasta.js';
import { fromErrorData, VirnucproError, type ErrorData } from '../../src/errors.js';
import { loadBpeTokenizer, parseBpeTokenizer } from '../../src/tokenize/index.js';
import { REPO_ROOT } from '../support/shared.js';
import { referenceEncode, type ReferenceTokenizerJson } from './referenceBpe.js';

const TINY_FILE = path.join(REPO_ROOT, 'test/fixtures/tokenizer/tiny-bpe.json');
const TINY_TEXT = readFileSync(TINY_FILE, 'utf8');
const tiny = parseBpeTokenizer(TINY_TEXT, 'tiny-bpe.json');
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const encode = (text: string): number[] => Array.from(tiny.encode(bytes(text)));

// tiny-bpe.json (test/fixtures/tokenizer/README.md): [UNK]=0 [CLS]=1 [SEP]=2 [PAD]=3 [MASK]=4 A=5 C=6 G=7 T=8
// AA=9 CG=10 GT=11 AAAA=12 AC=13 CGT=14 [M=15; merges by rank: 0 "A A", 1 "G T", 2 "A C", 3 "C G",
// 4 "AA AA", 5 "A C" (again), 6 "C GT"; template [CLS] $A [SEP].
const CLS = 1;
const SEP = 2;
const UNK = 0;
const [A, C, G, T, AA, CG, AAAA, CGT] = [5, 6, 7, 8, 9, 10, 12, 14];
const row = (...ids: number[]): number[] => [CLS, ...ids, SEP];

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('BpeTokenizer on hand-made merges (tiny-bpe.json)', () => {
  it('merges by rank, not position: "CGT" takes G+T (rank 1) before C+G (rank 3), then C+GT', () => {
    expect(encode('CGT')).toEqual(row(CGT));
  });

  it('breaks a tie between overlapping equal pairs leftmost first: "AAA" is AA A', () => {
    expect(encode('AAA')).toEqual(row(AA, A));
    // Pairs at 0 and 2 merge, 1 and 3 overlap them; then AA+AA (rank 4).
    expect(encode('AAAAA')).toEqual(row(AAAA, A));
    expect(encode('AAAAAAA')).toEqual(row(AAAA, AA, A));
  });

  it('gives a pair listed twice its later rank, as the Rust HashMap does', () => {
    // "A C" is rank 2 and rank 5; at rank 5 it loses to "C G" (rank 3): A CG, not AC G.
    expect(encode('ACG')).toEqual(row(A, CG));
  });

  it('turns each unknown character into its own [UNK], which no merge crosses', () => {
    expect(encode('ANA')).toEqual(row(A, UNK, A));
    expect(encode('NN')).toEqual(row(UNK, UNK));
    expect(encode('aA')).toEqual(row(UNK, A)); // no case folding
  });

  it('splits words like \\w+|[^\\w\\s]+: punctuation and whitespace separate, digits and _ do not', () => {
    expect(encode('A-A')).toEqual(row(A, UNK, A));
    expect(encode('AA--AA')).toEqual(row(AA, UNK, UNK, AA));
    expect(encode('A A\tA\nA')).toEqual(row(A, A, A, A)); // separate words never merge
    expect(encode('A1_A')).toEqual(row(A, UNK, UNK, A));
    expect(encode('A*')).toEqual(row(A, UNK));
  });

  it('cuts added tokens out of the text first, leftmost-longest', () => {
    expect(encode('A[SEP]A')).toEqual(row(A, SEP, A));
    expect(encode('[MASK]')).toEqual(row(4)); // not "[M" (15) + "ASK"
    expect(encode('[MA')).toEqual(row(15, A));
    expect(encode('[X')).toEqual(row(UNK, UNK)); // "[" alone is punctuation, "X" a word
  });

  it('adds the template around an empty sequence', () => {
    expect(encode('')).toEqual(row());
  });

  it('agrees with the naive reference on random strings over its alphabet', () => {
    const json = JSON.parse(TINY_TEXT) as ReferenceTokenizerJson;
    const random = prng(7);
    const alphabet = 'AAAAACCGGTTN-a [';
    for (let n = 0; n < 500; n++) {
      let text = '';
      const length = 1 + Math.floor(random() * 60);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      if (random() < 0.1) text += '[SEP]';
      expect(encode(text), JSON.stringify(text)).toEqual(referenceEncode(json, text, [CLS], [SEP]));
    }
  });
});

describe('BpeTokenizer output', () => {
  it('encodeInto writes at the offset and returns the row length', () => {
    const out = new Int32Array(10).fill(-7);
    expect(tiny.encodeInto(bytes('CGTA'), out, 3)).toBe(4);
    expect(Array.from(out)).toEqual([-7, -7, -7, CLS, CGT, A, SEP, -7, -7, -7]);
  });

  it('encodeInto refuses, writing nothing, when the row does not fit', () => {
    const out = new Int32Array(4).fill(-7);
    expect(() => tiny.encodeInto(bytes('CGTA'), out, 1)).toThrow(RangeError);
    expect(Array.from(out)).toEqual([-7, -7, -7, -7]);
  });

  it('maxTokens bounds every row', () => {
    const random = prng(11);
    for (let n = 0; n < 200; n++) {
      const text = Array.from({ length: Math.floor(random() * 40) }, () => 'ACGTN-'[Math.floor(random() * 6)]).join('');
      expect(tiny.encode(bytes(text)).length).toBeLessThanOrEqual(tiny.maxTokens(text.length));
    }
    expect(tiny.maxTokens(0)).toBe(2);
  });

  it('gives results that do not depend on earlier, longer inputs (scratch reuse)', () => {
    const fresh = parseBpeTokenizer(TINY_TEXT, 'tiny-bpe.json');
    const first = Array.from(fresh.encode(bytes('ACG')));
    fresh.encode(bytes('CGT'.repeat(400)));
    expect(Array.from(fresh.encode(bytes('ACG')))).toEqual(first);
  });

  it('refuses non-ASCII bytes with TOKENIZER_INPUT and the offset', () => {
    const error = thrown(() => tiny.encode(bytes('AC\u00e9')));
    expect(error).toBeInstanceOf(VirnucproError);
    expect((error as VirnucproError).code).toBe('TOKENIZER_INPUT');
    expect((error as VirnucproError).message).toContain('byte 0xc3 at offset 2');
  });

  it('exposes token ids for the batcher', () => {
    expect(tiny.tokenToId('[PAD]')).toBe(3);
    expect(tiny.tokenToId('nope')).toBeUndefined();
    expect(tiny.vocabSize).toBe(16);
  });

  it('loads from a file, the text, or the parsed object alike', async () => {
    const fromFile = await loadBpeTokenizer(TINY_FILE);
    const fromObject = parseBpeTokenizer(JSON.parse(TINY_TEXT) as object, 'tiny-bpe.json');
    for (const tokenizer of [fromFile, fromObject]) expect(Array.from(tokenizer.encode(bytes('ACGT')))).toEqual(encode('ACGT'));
  });
});

describe('BpeTokenizer in a worker thread', () => {
  const moduleUrl = new URL('../../src/tokenize/index.js', import.meta.url).href;
  const errorsUrl = new URL('../../src/errors.js', import.meta.url).href;
  // Builds its tokenizer from text in workerData, as an embedding worker does; errors come back as data.
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    Promise.all([import(workerData.moduleUrl), import(workerData.errorsUrl)]).then(([tokenize, errors]) => {
      const tokenizer = tokenize.parseBpeTokenizer(workerData.json, 'tiny-bpe.json');
      try {
        parentPort.postMessage({ ids: Array.from(tokenizer.encode(new TextEncoder().encode(workerData.text))) });
      } catch (error) {
        parentPort.postMessage({ error: errors.toErrorData(error) });
      }
    });`;
  const run = (text: string): Promise<{ ids?: number[]; error?: ErrorData }> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(source, { eval: true, workerData: { moduleUrl, errorsUrl, json: TINY_TEXT, text } });
      worker.once('message', (message: { ids?: number[]; error?: ErrorData }) => {
        resolve(message);
        void worker.terminate();
      });
      worker.once('error', reject);
    });

  it('encodes as on the main thread', async () => {
    expect((await run('AAAAACGTN')).ids).toEqual(encode('AAAAACGTN'));
  });

  it('sends its errors back as data that rebuilds the VirnucproError', async () => {
    const { error } = await run('AC\u00e9');
    const rebuilt = fromErrorData(error!);
    expect(rebuilt.code).toBe('TOKENIZER_INPUT');
    expect(rebuilt.exitCode).toBe(3);
    expect(rebuilt.message).toContain('offset 2');
  });
});
