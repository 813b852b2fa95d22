import { describe, expect, it } from 'vitest';
import { argmax, logProbability, TokenDistribution } from './token-distribution';

describe('TokenDistribution', () => {
  const logits = Float32Array.of(9, 9, 1, 2, 0.5, 9); // two positions of V = 3

  it('is the float64 softmax at temperature 1, read at an offset', () => {
    const mu = new TokenDistribution(3).at(logits, 3);
    const z = Math.exp(2) + Math.exp(0.5) + Math.exp(9);
    expect(mu[0]).toBeCloseTo(Math.exp(2) / z, 15);
    expect(mu[2]).toBeCloseTo(Math.exp(9) / z, 15);
  });

  it('divides logits by the temperature, and puts all mass on the argmax at temperature 0', () => {
    const warm = new TokenDistribution(3, 4).at(Float32Array.of(0, Math.log(16), 0), 0);
    expect(warm[1]! / warm[0]!).toBeCloseTo(2, 6);
    expect(Array.from(new TokenDistribution(3, 0).at(logits, 0))).toEqual([1, 0, 0]); // tie: lower index
  });

  it('applies top-p after the temperature', () => {
    const mu = new TokenDistribution(3, 1, 0.5).at(Float32Array.of(0, 1, 3), 0);
    expect(Array.from(mu)).toEqual([0, 0, 1]);
  });
});

describe('argmax and logProbability', () => {
  it('argmax takes the lower index on ties', () => {
    expect(argmax(Float32Array.of(1, 5, 5, 2), 0, 4)).toBe(1);
    expect(argmax(Float32Array.of(1, 5, 5, 7), 2, 2)).toBe(1);
  });

  it('logProbability is log softmax at temperature 1', () => {
    const l = Float32Array.of(1, 2, 3);
    const z = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    expect(logProbability(l, 0, 3, 1)).toBeCloseTo(2 - z, 12);
  });
});
