import { describe, expect, it } from 'vitest';
import { assertTokenRange, maskId } from './mask';

describe('maskId', () => {
  it('is V, and rejects a vocabulary that is not a positive integer', () => {
    expect(maskId(27)).toBe(27);
    expect(() => maskId(0)).toThrow(/positive integer/);
    expect(() => maskId(2.5)).toThrow(/positive integer/);
  });
});

describe('assertTokenRange', () => {
  it('accepts clean tokens in [0, V) and, with allowMask, the mask id V', () => {
    expect(() => assertTokenRange(new Int32Array([0, 1, 2]), 3)).not.toThrow();
    expect(() => assertTokenRange([0, 3, 2], 3, { allowMask: true })).not.toThrow();
  });

  it('names the bad token, its index and the valid range', () => {
    expect(() => assertTokenRange([0, 3, 1], 3)).toThrow(/token 3 at index 1 is outside \[0, 3\)/);
    expect(() => assertTokenRange([0, -1], 3)).toThrow(/token -1 at index 1/);
    expect(() => assertTokenRange([1.5], 3)).toThrow(/token 1.5 at index 0/);
    expect(() => assertTokenRange([4], 3, { allowMask: true, what: 'prompt' })).toThrow(
      /prompt: token 4 at index 0 is outside \[0, 3\] \(3 = MASK\)/,
    );
    expect(() => assertTokenRange([7], 3)).toThrow(/same vocabulary/);
  });
});
