import { VirnucproError } from '../errors.js';
import type { AddedToken } from './addedTokens.js';
import type { MergeRules } from './bpeMerger.js';

/**
 * Largest token id + 1 accepted. The merger keeps two int32 arrays of this length (8 MiB at the cap);
 * real BPE vocabularies stay far below (DNABERT-S 4 096, large text models ~256 000).
 */
export const MAX_VOCAB_SIZE = 2 ** 20;

/** What {@link readTokenizerJson} keeps of a tokenizer.json: everything encoding needs, ids only. */
export interface BpeDefinition {
  /** The file (or the name the caller gave), for error messages. */
  readonly source: string;
  readonly vocab: ReadonlyMap<string, number>;
  readonly rules: MergeRules;
  /** Ids the template puts before and after the sequence (`[CLS]` and `[SEP]` for DNABERT-S). */
  readonly prefixIds: readonly number[];
  readonly suffixIds: readonly number[];
  readonly addedTokens: readonly AddedToken[];
}

type Json = Record<string, unknown>;

/**
 * Parses and checks a Hugging Face tokenizer.json holding a BPE model. Everything that would make our
 * encoding differ from the `tokenizers` library is refused with TOKENIZER_INVALID naming the field: models
 * other than BPE, normalizers, pre-tokenizers other than Whitespace, dropout, byte fallback, subword
 * prefixes and suffixes, fused or missing unknown tokens, truncation, padding, and templates other than
 * special tokens around one sequence.
 *
 * @param json the file's text, or the object JSON.parse made of it
 * @param source the file name, shown in every error
 */
export function readTokenizerJson(json: string | object, source: string): BpeDefinition {
  const fail = (field: string, message: string, hint?: string): VirnucproError =>
    new VirnucproError('TOKENIZER_INVALID', `${field}: ${message}`, {
      position: { file: source },
      ...(hint !== undefined ? { hint } : {}),
    });
  const root = typeof json === 'string' ? parseJson(json, source) : json;
  if (!isObject(root)) throw fail('tokenizer', 'expected a JSON object');

  for (const field of ['normalizer', 'truncation', 'padding'] as const) {
    if (root[field] !== undefined && root[field] !== null) {
      throw fail(field, `must be null (got ${describe(root[field])})`, 'virnucpro encodes without normalizing, truncating or padding');
    }
  }
  const pre = root['pre_tokenizer'];
  if (!isObject(pre) || pre['type'] !== 'Whitespace') {
    throw fail('pre_tokenizer', `only {"type": "Whitespace"} is supported (got ${describe(pre)})`);
  }

  const model = root['model'];
  if (!isObject(model)) throw fail('model', `expected an object (got ${describe(model)})`);
  if (model['type'] !== 'BPE') throw fail('model.type', `only "BPE" is supported (got ${describe(model['type'])})`);
  const unsupported: [string, (value: unknown) => boolean][] = [
    ['dropout', (value) => value === null || value === 0],
    ['continuing_subword_prefix', (value) => value === null || value === ''],
    ['end_of_word_suffix', (value) => value === null || value === ''],
    ['fuse_unk', (value) => value === null || value === false],
    ['byte_fallback', (value) => value === null || value === false],
    ['ignore_merges', (value) => value === null || value === false],
  ];
  for (const [field, isDefault] of unsupported) {
    if (model[field] !== undefined && !isDefault(model[field])) {
      throw fail(`model.${field}`, `${describe(model[field])} is not supported`, 'leave it null or false, as DNABERT-S does');
    }
  }

  const vocab = readVocab(model['vocab'], fail);
  let vocabSize = 0;
  for (const id of vocab.values()) vocabSize = Math.max(vocabSize, id + 1);
  const unkToken = model['unk_token'];
  if (typeof unkToken !== 'string' || !vocab.has(unkToken)) {
    throw fail('model.unk_token', `must name a token of model.vocab (got ${describe(unkToken)})`);
  }
  const unkId = vocab.get(unkToken)!;
  const byteSymbols = new Int32Array(128).fill(unkId);
  for (let byte = 0; byte < 128; byte++) {
    const id = vocab.get(String.fromCharCode(byte));
    if (id !== undefined) byteSymbols[byte] = id;
  }

  return {
    source,
    vocab,
    rules: { vocabSize, merges: readMerges(model['merges'], vocab, fail), byteSymbols },
    ...readTemplate(root['post_processor'], fail),
    addedTokens: readAddedTokens(root['added_tokens'], vocab, fail),
  };
}

type Fail = (field: string, message: string, hint?: string) => VirnucproError;

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new VirnucproError('TOKENIZER_INVALID', `does not parse as JSON (${(error as Error).message})`, {
      position: { file: source },
      hint: 'use the tokenizer.json that came with the model; the file may be truncated or not JSON at all',
      cause: error,
    });
  }
}

function readVocab(value: unknown, fail: Fail): Map<string, number> {
  if (!isObject(value)) throw fail('model.vocab', `expected an object of token: id (got ${describe(value)})`);
  const vocab = new Map<string, number>();
  const seen = new Map<number, string>();
  for (const [token, id] of Object.entries(value)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= MAX_VOCAB_SIZE) {
      const range = `0..${MAX_VOCAB_SIZE - 1}`;
      throw fail('model.vocab', `id of ${JSON.stringify(token)} must be an integer in ${range} (got ${describe(id)})`);
    }
    const other = seen.get(id);
    if (other !== undefined) throw fail('model.vocab', `${JSON.stringify(other)} and ${JSON.stringify(token)} share id ${id}`);
    seen.set(id, token);
    vocab.set(token, id);
  }
  if (vocab.size === 0) throw fail('model.vocab', 'is empty');
  return vocab;
}

/** Merges as (left, right, result) id triples, in rank order. */
function readMerges(value: unknown, vocab: ReadonlyMap<string, number>, fail: Fail): Int32Array {
  if (!Array.isArray(value)) throw fail('model.merges', `expected an array (got ${describe(value)})`);
  // `tokenizers` reads the old "A B" form through its merges.txt reader, which skips "#version" lines.
  const entries = value.filter((entry) => !(typeof entry === 'string' && entry.startsWith('#version')));
  const merges = new Int32Array(entries.length * 3);
  entries.forEach((entry: unknown, rank) => {
    const field = `model.merges[${rank}]`;
    const parts = typeof entry === 'string' ? entry.split(' ') : entry;
    if (!Array.isArray(parts) || parts.length !== 2 || !parts.every((part) => typeof part === 'string')) {
      throw fail(field, `expected "left right" or ["left", "right"] (got ${describe(entry)})`);
    }
    const [left, right] = parts as [string, string];
    for (const token of [left, right, left + right]) {
      if (!vocab.has(token)) throw fail(field, `${JSON.stringify(token)} is not in model.vocab`);
    }
    merges.set([vocab.get(left)!, vocab.get(right)!, vocab.get(left + right)!], rank * 3);
  });
  return merges;
}

function readTemplate(value: unknown, fail: Fail): { prefixIds: number[]; suffixIds: number[] } {
  if (value === undefined || value === null) return { prefixIds: [], suffixIds: [] };
  const hint = 'expected TemplateProcessing with special tokens around "$A", like DNABERT-S\'s "[CLS] $A [SEP]"';
  if (!isObject(value) || value['type'] !== 'TemplateProcessing') {
    throw fail('post_processor', `only TemplateProcessing is supported (got ${describe(value)})`, hint);
  }
  const single = value['single'];
  const specials = value['special_tokens'];
  if (!Array.isArray(single) || !isObject(specials)) {
    throw fail('post_processor', 'needs a "single" array and a "special_tokens" object', hint);
  }
  const prefixIds: number[] = [];
  const suffixIds: number[] = [];
  let sequences = 0;
  single.forEach((piece: unknown, index) => {
    const field = `post_processor.single[${index}]`;
    if (isObject(piece) && isObject(piece['Sequence']) && piece['Sequence']['id'] === 'A') {
      sequences++;
      return;
    }
    const name = isObject(piece) && isObject(piece['SpecialToken']) ? piece['SpecialToken']['id'] : undefined;
    const special = typeof name === 'string' ? specials[name] : undefined;
    const ids = isObject(special) ? special['ids'] : undefined;
    if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id) && id >= 0)) {
      const expected = '{"Sequence": {"id": "A"}} or a SpecialToken listed in special_tokens with its ids';
      throw fail(field, `expected ${expected} (got ${describe(piece)})`, hint);
    }
    (sequences === 0 ? prefixIds : suffixIds).push(...(ids as number[]));
  });
  if (sequences !== 1) throw fail('post_processor.single', `must hold "$A" exactly once (found ${sequences})`, hint);
  return { prefixIds, suffixIds };
}

function readAddedTokens(value: unknown, vocab: ReadonlyMap<string, number>, fail: Fail): AddedToken[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw fail('added_tokens', `expected an array (got ${describe(value)})`);
  return value.map((entry: unknown, index) => {
    const field = `added_tokens[${index}]`;
    if (!isObject(entry) || typeof entry['content'] !== 'string' || !Number.isInteger(entry['id'])) {
      throw fail(field, `expected {"id": <int>, "content": <string>, ...} (got ${describe(entry)})`);
    }
    const content = entry['content'];
    for (const flag of ['single_word', 'lstrip', 'rstrip', 'normalized']) {
      if (entry[flag] === true) throw fail(`${field}.${flag}`, `true is not supported (token ${JSON.stringify(content)})`);
    }
    if (vocab.get(content) !== entry['id']) {
      throw fail(
        field,
        `${JSON.stringify(content)} has id ${entry['id']} but model.vocab gives ${describe(vocab.get(content))}`,
        'added tokens must be tokens of model.vocab with the same id',
      );
    }
    return { content, id: entry['id'] as number };
  });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short rendering of a JSON value for error messages. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
