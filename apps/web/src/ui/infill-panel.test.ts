import { describe, expect, it } from 'vitest';
import { fitExample } from './infill-panel';

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
