import { describe, expect, it } from 'vitest';
import { initialTokens } from './prompt';

describe('initialTokens', () => {
  it('is `batch` all-MASK rows without a prompt (batch 1 by default)', () => {
    expect(initialTokens({ vocabSize: 5, length: 3 })).toEqual([Int32Array.of(5, 5, 5)]);
    expect(initialTokens({ vocabSize: 5, length: 2, batch: 2 })).toEqual([
      Int32Array.of(5, 5),
      Int32Array.of(5, 5),
    ]);
  });

  it('copies the prompt (plain arrays too) and lets it set the batch', () => {
    const prompt = [Int32Array.of(1, 5, 0), [5, 5, 4]];
    const tokens = initialTokens({ vocabSize: 5, length: 3, prompt });
    expect(tokens).toEqual([Int32Array.of(1, 5, 0), Int32Array.of(5, 5, 4)]);
    tokens[0]![0] = 3;
    expect(prompt[0]![0]).toBe(1);
    expect(initialTokens({ vocabSize: 5, length: 3, prompt, batch: 2 })).toHaveLength(2);
  });

  it('names the bad sequence, the problem and the fix', () => {
    expect(() => initialTokens({ vocabSize: 5, length: 3, prompt: [Int32Array.of(5, 5)] })).toThrow(
      /prompt\[0\] has length 2 but length is 3; pad it with MASK \(5\)/,
    );
    expect(() =>
      initialTokens({ vocabSize: 5, length: 2, prompt: [Int32Array.of(5, 5), Int32Array.of(6, 0)] }),
    ).toThrow(/prompt\[1\]: token 6 at index 0 is outside \[0, 5\] \(5 = MASK\)/);
    expect(() => initialTokens({ vocabSize: 5, length: 2, prompt: [Int32Array.of(5, 5)], batch: 4 })).toThrow(
      /batch 4 differs from the 1 prompt sequences; the prompt sets the batch/,
    );
    expect(() => initialTokens({ vocabSize: 5, length: 2, batch: 1.5 })).toThrow(
      /batch must be an integer >= 1/,
    );
    expect(() => initialTokens({ vocabSize: 5, length: 2, prompt: [] })).toThrow(/non-empty array/);
  });
});
