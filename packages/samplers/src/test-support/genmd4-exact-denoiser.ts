import type { Denoiser } from '@md4/core';
import type { JointDistribution } from '@md4/core/testing';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The optimal denoiser under GenMD4's forward process for a known joint p: the posterior of the
 * clean tokens given x_t at time t. A token with clean value v is masked at t with probability
 * (1 - eps) t^{w_v}, so p(x_0 | x_t) ∝ p(x_0) prod_{masked n} t^{w_{x_0^n}} over the x_0 that agree
 * with x_t's unmasked tokens (the unmasked tokens' factors are common to all of them). Unlike MD4's,
 * this posterior depends on t whenever the w_v differ: the MD4 exact denoiser is not GenMD4's optimum.
 * Rows with the same (x_t, t) within a call are computed once.
 */
export function createGenmd4ExactDenoiser(joint: JointDistribution, exponents: Float64Array): Denoiser {
  const { vocabSize: V, length: L, probabilities } = joint;
  const sequences = Array.from({ length: probabilities.length }, (_, index) => {
    const x = new Int32Array(L);
    let rest = index;
    for (let n = L - 1; n >= 0; n--) {
      x[n] = rest % V;
      rest = Math.floor(rest / V);
    }
    return x;
  });
  return {
    vocabSize: V,
    timeConditioned: true,
    logits(xt: tf.Tensor2D, t: tf.Tensor1D): tf.Tensor3D {
      const [B] = xt.shape;
      const tokens = xt.dataSync();
      const times = t.dataSync();
      const out = new Float32Array(B * L * V);
      const memo = new Map<number, Float32Array>();
      const timeIndex = new Map<number, number>();
      for (let b = 0; b < B; b++) {
        const row = tokens.subarray(b * L, (b + 1) * L);
        // rows with the same (t, x_t) share a result
        if (!timeIndex.has(times[b]!)) timeIndex.set(times[b]!, timeIndex.size);
        let key = timeIndex.get(times[b]!)!;
        for (let n = 0; n < L; n++) key = key * (V + 1) + row[n]!;
        const known = memo.get(key);
        if (known) {
          out.set(known, b * L * V);
          continue;
        }
        const marginals = new Float64Array(L * V);
        const logT = Math.log(times[b]!);
        marginals.fill(0);
        let total = 0;
        for (let index = 0; index < sequences.length; index++) {
          const x = sequences[index]!;
          let logWeight = Math.log(probabilities[index]!);
          let consistent = true;
          for (let n = 0; n < L && consistent; n++) {
            if (row[n] === V) logWeight += exponents[x[n]!]! * logT;
            else if (row[n] !== x[n]) consistent = false;
          }
          if (!consistent) continue;
          const weight = Math.exp(logWeight);
          total += weight;
          for (let n = 0; n < L; n++) marginals[n * V + x[n]!]! += weight;
        }
        for (let i = 0; i < L * V; i++) {
          const p = marginals[i]! / total;
          out[b * L * V + i] = p > 0 ? Math.log(p) : -1e4;
        }
        memo.set(key, out.slice(b * L * V, (b + 1) * L * V));
      }
      return tf.tensor3d(out, [B, L, V]);
    },
  };
}
