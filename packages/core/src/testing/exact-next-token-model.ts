import * as tf from '@tensorflow/tfjs-core';
import type { NextTokenModel } from '../next-token-model';
import { exactConditionals, type JointDistribution } from './exact-denoiser';

/** Logit given to values of zero conditional probability (exp underflows to exactly 0 in float32). */
const IMPOSSIBLE_LOGIT = -1e4;

/**
 * A NextTokenModel with the exact conditionals p(x^n = v | x^0..x^(n-1)) of `joint` (the marginal of
 * the prefix, by enumeration), so that the chain rule gives log p(x) exactly; takes sequences of
 * length up to L (a prefix). For tests.
 */
export function createExactNextTokenModel(joint: JointDistribution): NextTokenModel {
  const { vocabSize: V, length: L } = joint;
  return {
    vocabSize: V,
    maxLength: L,
    nextTokenLogits(x: tf.Tensor2D): tf.Tensor3D {
      const [B, length] = x.shape;
      if (length > L) throw new RangeError(`exact next-token model takes at most ${L} tokens, got ${length}`);
      const tokens = x.dataSync();
      const logits = new Float32Array(B * length * V);
      const prefix = new Int32Array(L);
      for (let b = 0; b < B; b++) {
        for (let n = 0; n < length; n++) {
          for (let m = 0; m < L; m++) prefix[m] = m < n ? tokens[b * length + m]! : V;
          const probs = exactConditionals(joint, prefix);
          for (let v = 0; v < V; v++) {
            const p = probs[n * V + v]!;
            logits[(b * length + n) * V + v] = p > 0 ? Math.log(p) : IMPOSSIBLE_LOGIT;
          }
        }
      }
      return tf.tensor3d(logits, [B, length, V]);
    },
  };
}
