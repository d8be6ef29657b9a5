import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirnucproError } from '../../src/errors.js';
import { loadBpeTokenizer, parseBpeTokenizer } from '../../src/tokenize/index.js';
import { REPO_ROOT } from '../support/shared.js';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/tokenizer');
const TINY_TEXT = readFileSync(path.join(FIXTURES, 'tiny-bpe.json'), 'utf8');
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

type Json = Record<string, any>;

/** tiny-bpe.json, changed by `edit`, parsed under the name "edited.json". */
function parseEdited(edit: (json: Json) => void): ReturnType<typeof parseBpeTokenizer> {
  const json = JSON.parse(TINY_TEXT) as Json;
  edit(json);
  return parseBpeTokenizer(json, 'edited.json');
}

function refusal(action: () => unknown): VirnucproError {
  try {
    action();
  } catch (error) {
    if (error instanceof VirnucproError) return error;
    throw error;
  }
  throw new Error('expected a VirnucproError');
}

async function asyncRefusal(action: () => Promise<unknown>): Promise<VirnucproError> {
  return action().then(
    () => {
      throw new Error('expected a VirnucproError');
    },
    (error: unknown) => {
      if (error instanceof VirnucproError) return error;
      throw error;
    },
  );
}

describe('tokenizer.json that cannot be read', () => {
  it('names the file when it does not parse as JSON (truncated.json)', async () => {
    const file = path.join(FIXTURES, 'truncated.json');
    const error = await asyncRefusal(() => loadBpeTokenizer(file));
    expect(error.code).toBe('TOKENIZER_INVALID');
    expect(error.message).toMatch(/truncated\.json: does not parse as JSON \(/);
    expect(error.position?.file).toBe(file);
    expect(error.hint).toContain('truncated');
  });

  it('names the file when it is missing', async () => {
    const file = path.join(FIXTURES, 'no-such-tokenizer.json');
    const error = await asyncRefusal(() => loadBpeTokenizer(file));
    expect(error.code).toBe('TOKENIZER_INVALID');
    expect(error.message).toContain('no-such-tokenizer.json: cannot read the tokenizer file');
  });

  it('refuses JSON that is not an object', () => {
    expect(refusal(() => parseBpeTokenizer('[1, 2]', 'list.json')).message).toBe('list.json: tokenizer: expected a JSON object');
  });
});

/** tiny-bpe.json's merges with "G T" (rank 1) and "C GT" (rank 6) swapped: GT is used before it is made. */
const UNORDERED_MERGES = ['A A', 'C GT', 'A C', 'C G', 'AA AA', 'A C', 'G T'];

/** Adds `count` merges "l<i> r<i>", each with new parts: (count + 1)² pair-table entries. */
function addDistinctMerges(count: number): (json: Json) => void {
  return (json) => {
    const vocab = json['model'].vocab as Record<string, number>;
    let id = Object.keys(vocab).length;
    for (let i = 0; i < count; i++) {
      for (const token of [`l${i}`, `r${i}`, `l${i}r${i}`]) vocab[token] = id++;
      json['model'].merges.push(`l${i} r${i}`);
    }
  };
}

describe('tokenizer.json asking for what virnucpro does not implement', () => {
  // Each case edits the valid tiny tokenizer in one field; the error must name the file and that field.
  const cases: [string, (json: Json) => void, string][] = [
    ['another model type', (json) => (json['model'].type = 'WordPiece'), 'model.type'],
    ['a missing vocab', (json) => delete json['model'].vocab, 'model.vocab'],
    ['an empty vocab', (json) => (json['model'].vocab = {}), 'model.vocab'],
    ['a vocab id that is not an integer', (json) => (json['model'].vocab.A = 1.5), 'model.vocab'],
    ['two tokens sharing an id', (json) => (json['model'].vocab.A = 6), 'model.vocab'],
    ['a normalizer', (json) => (json['normalizer'] = { type: 'Lowercase' }), 'normalizer'],
    ['truncation', (json) => (json['truncation'] = { max_length: 512 }), 'truncation'],
    ['padding', (json) => (json['padding'] = { pad_id: 3 }), 'padding'],
    ['another pre-tokenizer', (json) => (json['pre_tokenizer'] = { type: 'ByteLevel' }), 'pre_tokenizer'],
    ['no pre-tokenizer', (json) => (json['pre_tokenizer'] = null), 'pre_tokenizer'],
    ['dropout', (json) => (json['model'].dropout = 0.1), 'model.dropout'],
    ['byte fallback', (json) => (json['model'].byte_fallback = true), 'model.byte_fallback'],
    ['a subword prefix', (json) => (json['model'].continuing_subword_prefix = '##'), 'model.continuing_subword_prefix'],
    ['an end-of-word suffix', (json) => (json['model'].end_of_word_suffix = '</w>'), 'model.end_of_word_suffix'],
    ['fused unknowns', (json) => (json['model'].fuse_unk = true), 'model.fuse_unk'],
    ['ignore_merges', (json) => (json['model'].ignore_merges = true), 'model.ignore_merges'],
    ['an unknown token outside the vocab', (json) => (json['model'].unk_token = '<unk>'), 'model.unk_token'],
    ['no unknown token', (json) => (json['model'].unk_token = null), 'model.unk_token'],
    ['merges that are not an array', (json) => (json['model'].merges = 'A A'), 'model.merges'],
    ['a merge of three parts', (json) => json['model'].merges.push('A A A'), 'model.merges[7]'],
    ['a merge part outside the vocab', (json) => json['model'].merges.push('A X'), 'model.merges[7]'],
    ['a merge whose result is outside the vocab', (json) => json['model'].merges.push('C T'), 'model.merges[7]'],
    ['merges out of creation order', (json) => (json['model'].merges = UNORDERED_MERGES), 'model.merges[1]'],
    ['more distinct merge parts than the pair table takes', addDistinctMerges(2048), 'model.merges'],
    [
      'another post-processor',
      (json) => (json['post_processor'] = { type: 'BertProcessing', sep: ['[SEP]', 2], cls: ['[CLS]', 1] }),
      'post_processor',
    ],
    ['a template without $A', (json) => json['post_processor'].single.splice(1, 1), 'post_processor.single'],
    [
      'a template naming an undeclared special',
      (json) => (json['post_processor'].single[0].SpecialToken.id = '[BOS]'),
      'post_processor.single[0]',
    ],
    ['an added token that strips', (json) => (json['added_tokens'][2].lstrip = true), 'added_tokens[2].lstrip'],
    ['a normalized added token', (json) => (json['added_tokens'][2].normalized = true), 'added_tokens[2].normalized'],
    ['an added token with another id', (json) => (json['added_tokens'][2].id = 9), 'added_tokens[2]'],
    ['an added token outside the vocab', (json) => json['added_tokens'].push({ id: 16, content: '<new>' }), 'added_tokens[6]'],
  ];
  for (const [what, edit, field] of cases) {
    it(`refuses ${what} (${field})`, () => {
      const error = refusal(() => parseEdited(edit));
      expect(error.code).toBe('TOKENIZER_INVALID');
      expect(error.exitCode).toBe(4);
      expect(error.message.startsWith(`edited.json: ${field}:`), error.message).toBe(true);
    });
  }

  it('takes a pair table just under the cap', () => {
    // 2 040 new parts on each side plus tiny's own 4 left and 6 right: 2 045 x 2 047 entries, below 2^22.
    expect(() => parseEdited(addDistinctMerges(2040))).not.toThrow();
  });

  it('explains merges out of creation order with both ranks', () => {
    const error = refusal(() => parseEdited((json) => (json['model'].merges = UNORDERED_MERGES)));
    expect(error.message).toContain('model.merges[1]: uses a token that model.merges[6] makes');
    expect(error.hint).toContain('creation order');
  });
});

describe('tokenizer.json variants with the same meaning', () => {
  const ids = (edit: (json: Json) => void, text = 'AAACGTACG'): number[] => Array.from(parseEdited(edit).encode(bytes(text)));
  const expected = ids(() => undefined);

  it('reads merges as [left, right] pairs like "left right" strings', () => {
    expect(ids((json) => (json['model'].merges = json['model'].merges.map((merge: string) => merge.split(' '))))).toEqual(expected);
  });

  it('skips "#version" lines in string merges, as the merges.txt reader does', () => {
    expect(ids((json) => json['model'].merges.unshift('#version: 0.2'))).toEqual(expected);
  });

  it('accepts explicit defaults (dropout 0, empty prefix and suffix, false flags)', () => {
    expect(
      ids((json) =>
        Object.assign(json['model'], { dropout: 0, continuing_subword_prefix: '', end_of_word_suffix: '', ignore_merges: false }),
      ),
    ).toEqual(expected);
  });

  it('adds no specials without a post-processor', () => {
    expect(ids((json) => (json['post_processor'] = null))).toEqual(expected.slice(1, -1));
  });

  it('puts any special tokens of the template around the sequence', () => {
    const twoAfter = ids((json) => json['post_processor'].single.push({ SpecialToken: { id: '[SEP]', type_id: 0 } }));
    expect(twoAfter).toEqual([...expected, 2]);
  });
});
