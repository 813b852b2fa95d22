import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanText8 } from './text8-clean';

describe('cleanText8', () => {
  it('lowercases, spells digits as words, turns everything else into single spaces', () => {
    expect(cleanText8('In 1990, the U.S. GDP grew 3.5%!')).toBe(
      'in one nine nine zero the u s gdp grew three five',
    );
    expect(cleanText8("Don't stop")).toBe('don t stop');
    expect(cleanText8('a1b')).toBe('a one b');
    expect(cleanText8('  \n\tCafé  naïve ')).toBe('caf na ve');
    expect(cleanText8('0123456789')).toBe('zero one two three four five six seven eight nine');
    expect(cleanText8('...')).toBe('');
    expect(cleanText8('')).toBe('');
  });

  it('always gives clean text8 (a-z and single inner spaces) and is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const c = cleanText8(s);
        expect(c).toMatch(/^([a-z]+( [a-z]+)*)?$/);
        expect(cleanText8(c)).toBe(c);
      }),
      { numRuns: 100, seed: 1 },
    );
  });
});
