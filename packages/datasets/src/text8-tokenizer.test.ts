import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from './data-format-error';
import { text8Tokenizer } from './text8-tokenizer';

describe('text8Tokenizer', () => {
  it('maps a-z to 0..25 and space to 26, MASK 27 decodes as _', () => {
    expect(text8Tokenizer.vocabSize).toBe(27);
    expect(text8Tokenizer.maskId).toBe(27);
    expect(Array.from(text8Tokenizer.encode('az b'))).toEqual([0, 25, 26, 1]);
    expect(text8Tokenizer.decode([7, 4, 27, 27, 14])).toBe('he__o');
    expect(text8Tokenizer.decode([27], { mask: '?' })).toBe('?');
  });

  it('round-trips every clean text8 string exactly', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz '.split('')), maxLength: 300 }),
        (s) => {
          expect(text8Tokenizer.decode(text8Tokenizer.encode(s))).toBe(s);
        },
      ),
      { numRuns: 200, seed: 2 },
    );
  });

  it('rejects characters text8 cannot represent, naming the character and the cleaning option', () => {
    expect(() => text8Tokenizer.encode('hello World')).toThrow(DataFormatError);
    expect(() => text8Tokenizer.encode('hello World')).toThrow(
      /cannot represent "W" \(U\+0057\) at index 6.*cleanText8.*clean: true/,
    );
    expect(() => text8Tokenizer.encode('x😀')).toThrow(/U\+1F600/);
    expect(() => text8Tokenizer.decode([28])).toThrow(/outside 0..27/);
    expect(() => text8Tokenizer.decode([-1])).toThrow(RangeError);
  });
});
