import { describe, expectTypeOf, it } from 'vitest';
import { BpeTokenizer, Esm2Tokenizer, loadBpeTokenizer, parseBpeTokenizer, type Tokenizer } from '../../src/tokenize/index.js';

describe('src/tokenize public types', () => {
  it('both tokenizers are Tokenizers', () => {
    expectTypeOf<BpeTokenizer>().toMatchTypeOf<Tokenizer>();
    expectTypeOf<Esm2Tokenizer>().toMatchTypeOf<Tokenizer>();
  });

  it('loaders take a file, or text or an object with a source name', () => {
    expectTypeOf(loadBpeTokenizer).parameters.toEqualTypeOf<[string]>();
    expectTypeOf(loadBpeTokenizer).returns.resolves.toEqualTypeOf<BpeTokenizer>();
    expectTypeOf(parseBpeTokenizer).parameters.toEqualTypeOf<[string | object, string]>();
  });

  it('encodes bytes into int32 ids and reports the row length', () => {
    expectTypeOf<Tokenizer['encode']>().parameters.toEqualTypeOf<[Uint8Array]>();
    expectTypeOf<Tokenizer['encode']>().returns.toEqualTypeOf<Int32Array>();
    expectTypeOf<Tokenizer['encodeInto']>().returns.toEqualTypeOf<number>();
    const tokenizer = new Esm2Tokenizer();
    // @ts-expect-error sequences are bytes, not strings
    expectTypeOf(tokenizer.encode).toBeCallableWith('MKV');
    // @ts-expect-error ids go into an Int32Array, not a plain array
    expectTypeOf(tokenizer.encodeInto).toBeCallableWith(new Uint8Array(1), [] as number[]);
  });
});
