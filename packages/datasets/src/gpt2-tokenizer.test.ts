import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gpt2Tokenizer } from './gpt2-tokenizer';

describe('gpt2Tokenizer (r50k_base, offline)', () => {
  it('has GPT-2 vocabulary, EOS and known token ids', () => {
    expect(gpt2Tokenizer.vocabSize).toBe(50257);
    expect(gpt2Tokenizer.eosId).toBe(50256);
    expect(gpt2Tokenizer.maskId).toBe(50257);
    // Reference ids from OpenAI's GPT-2 encoder: "Hello world" -> [15496, 995].
    expect(Array.from(gpt2Tokenizer.encode('Hello world'))).toEqual([15496, 995]);
    expect(gpt2Tokenizer.decode([50256])).toBe('<|endoftext|>');
  });

  it('round-trips any well-formed string exactly, including the EOS text itself', () => {
    const s = 'State of the Union, 1790: <|endoftext|> café — naïve 😀\n\ttabs  ';
    expect(gpt2Tokenizer.decode(gpt2Tokenizer.encode(s))).toBe(s);
    expect(Array.from(gpt2Tokenizer.encode('<|endoftext|>'))).not.toContain(50256);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (t) => {
        expect(gpt2Tokenizer.decode(gpt2Tokenizer.encode(t))).toBe(t);
      }),
      { numRuns: 100, seed: 3 },
    );
  });

  it('shows MASK as the documented placeholder and rejects out-of-range ids', () => {
    const ids = Array.from(gpt2Tokenizer.encode('Hello world'));
    expect(gpt2Tokenizer.decode([ids[0]!, 50257])).toBe('Hello\u2588');
    expect(gpt2Tokenizer.decode([50257, ids[1]!], { mask: '[M]' })).toBe('[M] world');
    expect(() => gpt2Tokenizer.decode([50258])).toThrow(/outside 0..50257/);
  });
});
