import { describe, expect, it } from 'vitest';
import { requestedMatMulPrecision, withMatMulPrecision } from './matmul-precision';

describe('withMatMulPrecision', () => {
  it('requests a precision for the call and restores the outer request after, also on a throw', () => {
    expect(requestedMatMulPrecision()).toBeUndefined();
    const seen = withMatMulPrecision('bf16', () => {
      const inner = withMatMulPrecision('fp32', () => requestedMatMulPrecision());
      const unchanged = withMatMulPrecision(undefined, () => requestedMatMulPrecision());
      expect(() =>
        withMatMulPrecision('auto', () => {
          throw new Error('boom');
        }),
      ).toThrow('boom');
      return [inner, unchanged, requestedMatMulPrecision()];
    });
    expect(seen).toEqual(['fp32', 'bf16', 'bf16']);
    expect(requestedMatMulPrecision()).toBeUndefined();
  });
});
