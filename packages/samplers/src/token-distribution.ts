import {
  type Rng,
  type SamplingPrecision,
  sampleCategorical,
  sampleCategoricalFloat32,
  softmax64,
} from '@md4/core';
import { truncateTopP } from './nucleus';

/** Index of the largest of `logits[offset .. offset+count)` (the lower index on ties). */
export function argmax(logits: ArrayLike<number>, offset: number, count: number): number {
  let best = 0;
  let bestValue = logits[offset]!;
  for (let i = 1; i < count; i++) {
    const value = logits[offset + i]!;
    if (value > bestValue) {
      best = i;
      bestValue = value;
    }
  }
  return best;
}

/**
 * The distribution a sampler draws a token from: mu = softmax(logits / temperature) in float64,
 * then top-p truncation. Temperature 0 means greedy (all mass on the argmax). `draw` takes a value
 * from it: a float64 inverse-CDF draw, or with precision 'float32' a float32 Gumbel-max
 * (`sampleCategoricalFloat32`, to measure what float64 protects against).
 * One instance owns its scratch buffers; `at` overwrites and returns the same array each call.
 */
export class TokenDistribution {
  private readonly probs: Float64Array;
  private readonly order: Int32Array;

  constructor(
    readonly vocabSize: number,
    readonly temperature = 1,
    readonly topP = 1,
    readonly precision: SamplingPrecision = 'float64',
  ) {
    this.probs = new Float64Array(vocabSize);
    this.order = new Int32Array(vocabSize);
  }

  /** mu at the position whose V logits start at `offset`. */
  at(logits: ArrayLike<number>, offset: number): Float64Array {
    const V = this.vocabSize;
    if (this.temperature === 0) {
      this.probs.fill(0);
      this.probs[argmax(logits, offset, V)] = 1;
      return this.probs;
    }
    softmax64(logits, this.probs, offset, V, this.temperature);
    if (this.topP < 1) truncateTopP(this.probs, this.topP, this.order, V);
    return this.probs;
  }

  /** A value drawn from mu (what `at` returned, or any weights over the V values) in this precision. */
  draw(mu: ArrayLike<number>, rng: Rng): number {
    switch (this.precision) {
      case 'float64':
        return sampleCategorical(mu, rng);
      case 'float32':
        return sampleCategoricalFloat32(mu, rng);
      default: {
        const unknown: never = this.precision;
        throw new RangeError(`unknown sampling precision ${JSON.stringify(unknown)}`);
      }
    }
  }
}

/** log softmax(logits)[value] at temperature 1, in float64 (the model's own log-probability of `value`). */
export function logProbability(
  logits: ArrayLike<number>,
  offset: number,
  count: number,
  value: number,
): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < count; i++) max = Math.max(max, logits[offset + i]!);
  let total = 0;
  for (let i = 0; i < count; i++) total += Math.exp(logits[offset + i]! - max);
  return logits[offset + value]! - max - Math.log(total);
}
