import type { JointDistribution } from '@md4/core/testing';
import { sequenceAt } from '@md4/core/testing';

/** p(x | the prompt's fixed tokens) over all V^L sequences (zero where x disagrees with the prompt). */
export function conditionalOnPrompt(joint: JointDistribution, prompt: Int32Array): Float64Array {
  const { vocabSize: V, length: L, probabilities } = joint;
  const out = new Float64Array(probabilities.length);
  let total = 0;
  for (let index = 0; index < probabilities.length; index++) {
    const x = sequenceAt(index, V, L);
    if (x.every((v, n) => prompt[n] === V || prompt[n] === v)) {
      out[index] = probabilities[index]!;
      total += out[index]!;
    }
  }
  for (let i = 0; i < out.length; i++) out[i]! /= total;
  return out;
}

/** prod_n p_n(x^n): the law of drawing every position independently from its marginal. */
export function productOfMarginals(joint: JointDistribution): Float64Array {
  const { vocabSize: V, length: L, probabilities } = joint;
  const marginals = new Float64Array(L * V);
  for (let index = 0; index < probabilities.length; index++) {
    const x = sequenceAt(index, V, L);
    for (let n = 0; n < L; n++) marginals[n * V + x[n]!]! += probabilities[index]!;
  }
  return Float64Array.from(probabilities, (_, index) => {
    const x = sequenceAt(index, V, L);
    let p = 1;
    for (let n = 0; n < L; n++) p *= marginals[n * V + x[n]!]!;
    return p;
  });
}
