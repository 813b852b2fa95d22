import * as tf from '@tensorflow/tfjs-core';
import type { Denoiser } from '../denoiser';

/** Logit given to values of zero conditional probability (exp underflows to exactly 0 in float32). */
const IMPOSSIBLE_LOGIT = -1e4;

/**
 * A known joint distribution over all V^L sequences: `probabilities[index]` is p(x) where the
 * sequence x is read from `index` in base V, position 0 most significant.
 */
export interface JointDistribution {
  /** V, the real token values (0..V-1). */
  readonly vocabSize: number;
  /** L, the sequence length. */
  readonly length: number;
  /** p(x) for each of the V^L sequences, by index (sums to 1). */
  readonly probabilities: Float64Array;
}

/** The sequence with the given index in base V (position 0 most significant). */
export function sequenceAt(index: number, vocabSize: number, length: number): Int32Array {
  const x = new Int32Array(length);
  let rest = index;
  for (let n = length - 1; n >= 0; n--) {
    x[n] = rest % vocabSize;
    rest = Math.floor(rest / vocabSize);
  }
  return x;
}

/** The index of a sequence of real tokens (inverse of `sequenceAt`). */
export function sequenceIndex(x: ArrayLike<number>, vocabSize: number): number {
  let index = 0;
  for (let n = 0; n < x.length; n++) index = index * vocabSize + x[n]!;
  return index;
}

/**
 * A random joint distribution with Dirichlet-like weights u^sharpness (u uniform from `uniform`),
 * normalised. Larger sharpness gives lower entropy and stronger dependence between positions.
 */
export function randomJoint(
  vocabSize: number,
  length: number,
  uniform: () => number,
  sharpness = 3,
): JointDistribution {
  const size = vocabSize ** length;
  if (size > 1 << 20) throw new RangeError(`V^L = ${size} is too large to enumerate`);
  const probabilities = new Float64Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    probabilities[i] = uniform() ** sharpness;
    total += probabilities[i]!;
  }
  for (let i = 0; i < size; i++) probabilities[i]! /= total;
  return { vocabSize, length, probabilities };
}

/** Entropy of the joint in nats, -sum p log p. */
export function jointEntropy(joint: JointDistribution): number {
  let h = 0;
  for (const p of joint.probabilities) if (p > 0) h -= p * Math.log(p);
  return h;
}

/**
 * Exact conditionals of a joint: for each masked position n and value v,
 * p(x^n = v | the unmasked tokens of x_t). This is the optimal denoiser: with it the continuous
 * ELBO equals -log p(x_0) in expectation, and ancestral sampling reproduces the joint exactly.
 */
export function exactConditionals(joint: JointDistribution, xt: ArrayLike<number>): Float64Array {
  const { vocabSize: V, length: L, probabilities } = joint;
  const out = new Float64Array(L * V);
  const x = new Int32Array(L);
  let total = 0;
  for (let index = 0; index < probabilities.length; index++) {
    const p = probabilities[index]!;
    if (p === 0) continue;
    let rest = index;
    let consistent = true;
    for (let n = L - 1; n >= 0; n--) {
      const v = rest % V;
      rest = Math.floor(rest / V);
      x[n] = v;
      if (xt[n] !== V && xt[n] !== v) {
        consistent = false;
        break;
      }
    }
    if (!consistent) continue;
    total += p;
    for (let n = 0; n < L; n++) out[n * V + x[n]!]! += p;
  }
  if (total > 0) for (let i = 0; i < out.length; i++) out[i]! /= total;
  return out;
}

/** A Denoiser that returns the exact conditionals of `joint` (ignores t). For tests. */
export function createExactDenoiser(joint: JointDistribution): Denoiser {
  const { vocabSize: V, length: L } = joint;
  return {
    vocabSize: V,
    timeConditioned: false,
    logits(xt: tf.Tensor2D, _t: tf.Tensor1D): tf.Tensor3D {
      const [B, length] = xt.shape;
      if (length !== L) throw new RangeError(`exact denoiser expects length ${L}, got ${length}`);
      const tokens = xt.dataSync();
      const logits = new Float32Array(B * L * V);
      for (let b = 0; b < B; b++) {
        const probs = exactConditionals(joint, tokens.subarray(b * L, (b + 1) * L));
        for (let i = 0; i < L * V; i++) {
          const p = probs[i]!;
          logits[b * L * V + i] = p > 0 ? Math.log(p) : IMPOSSIBLE_LOGIT;
        }
      }
      return tf.tensor3d(logits, [B, L, V]);
    },
  };
}

/** A Denoiser whose prediction is uniform over the V values (a zero-initialised output layer). */
export function createUniformDenoiser(vocabSize: number): Denoiser {
  return {
    vocabSize,
    timeConditioned: false,
    logits(xt: tf.Tensor2D): tf.Tensor3D {
      const [B, L] = xt.shape;
      return tf.zeros([B, L, vocabSize]);
    },
  };
}
