import { describe, expect, it } from 'vitest';
import { cleanInfillText, fitExample } from './infill-panel';

describe('fitExample', () => {
  const example = 'the president of the united states ____________ the congress on the state';

  it('keeps a text that fits', () => {
    expect(fitExample(example, example.length)).toBe(example);
    expect(fitExample(example, 1024)).toBe(example);
  });

  it('cuts at the last space that fits, never longer than the model', () => {
    for (let max = 4; max < example.length; max++) {
      const fitted = fitExample(example, max);
      expect(fitted.length).toBeLessThanOrEqual(max);
      expect(example.startsWith(fitted)).toBe(true);
      // What follows the cut is a space: no word is split.
      expect(example[fitted.length]).toBe(' ');
    }
    expect(fitExample(example, 64)).toBe('the president of the united states ____________ the congress on');
    expect(fitExample(example, 48)).toBe('the president of the united states ____________');
  });

  it('cuts a first word longer than the model mid-word', () => {
    expect(fitExample('infrastructure bill', 5)).toBe('infra');
  });
});

describe('cleanInfillText', () => {
  it('cleans the text between placeholders as cleanText8 does and keeps every placeholder in place', () => {
    expect(cleanInfillText('Hello, ____ World!', '_')).toBe('hello ____ world');
    expect(cleanInfillText('In 1990, the ___', '_')).toBe('in one nine nine zero the ___');
    expect(cleanInfillText('"__"--and__, so.', '_')).toBe('__ and__ so');
    expect(cleanInfillText('a_b', '_')).toBe('a_b');
    expect(cleanInfillText('__ , __', '_')).toBe('__ __');
    expect(cleanInfillText('already clean ___ text', '_')).toBe('already clean ___ text');
  });

  it('keeps the number of placeholders', () => {
    const text = 'Mr. Speaker: ___, the (___) state; of 2 the ______!';
    const count = (s: string) => s.split('_').length - 1;
    expect(count(cleanInfillText(text, '_'))).toBe(count(text));
    expect(cleanInfillText(text, '_')).toMatch(/^[a-z _]+$/);
  });
});
