import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng';
import { checkDenoiserContract } from './denoiser-contract';
import {
  createExactDenoiser,
  createUniformDenoiser,
  exactConditionals,
  type JointDistribution,
  jointEntropy,
  randomJoint,
  sequenceAt,
  sequenceIndex,
} from './exact-denoiser';

/** p(x^n = v | observed) by summing the joint over every completion (written independently). */
function bruteForce(joint: JointDistribution, xt: Int32Array, n: number, v: number): number {
  const { vocabSize: V, length: L, probabilities } = joint;
  let numerator = 0;
  let denominator = 0;
  for (let index = 0; index < V ** L; index++) {
    const x = sequenceAt(index, V, L);
    if (!x.every((value, m) => xt[m] === V || xt[m] === value)) continue;
    denominator += probabilities[index]!;
    if (x[n] === v) numerator += probabilities[index]!;
  }
  return numerator / denominator;
}

describe('joint distributions', () => {
  it('sequenceAt and sequenceIndex are inverse, position 0 most significant', () => {
    expect(Array.from(sequenceAt(5, 3, 3))).toEqual([0, 1, 2]);
    for (let i = 0; i < 81; i++) expect(sequenceIndex(sequenceAt(i, 3, 4), 3)).toBe(i);
  });

  it('randomJoint is normalised and deterministic; jointEntropy of a uniform joint is L log V', () => {
    const rng = createRng(4);
    const b = randomJoint(3, 3, () => rng.uniform());
    const rng2 = createRng(4);
    const c = randomJoint(3, 3, () => rng2.uniform());
    expect(b.probabilities.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 14);
    expect(Array.from(b.probabilities)).toEqual(Array.from(c.probabilities));
    const uniform = { vocabSize: 4, length: 3, probabilities: new Float64Array(64).fill(1 / 64) };
    expect(jointEntropy(uniform)).toBeCloseTo(3 * Math.log(4), 12);
    expect(jointEntropy(b)).toBeLessThan(3 * Math.log(3));
    expect(() => randomJoint(10, 7, Math.random)).toThrow(/too large to enumerate/);
  });
});

describe('exactConditionals', () => {
  const rng = createRng(21);
  const joint = randomJoint(3, 4, () => rng.uniform(), 2);
  const V = 3;
  const L = 4;

  it('gives hand-computed conditionals on a 2x2 joint', () => {
    // p(00) = .1, p(01) = .2, p(10) = .3, p(11) = .4
    const small = { vocabSize: 2, length: 2, probabilities: new Float64Array([0.1, 0.2, 0.3, 0.4]) };
    const probs = exactConditionals(small, [0, 2]); // x^0 = 0 seen, x^1 masked
    expect(probs[2]).toBeCloseTo(0.1 / 0.3, 15);
    expect(probs[3]).toBeCloseTo(0.2 / 0.3, 15);
    const marginals = exactConditionals(small, [2, 2]);
    expect(Array.from(marginals).map((p) => +p.toFixed(12))).toEqual([0.3, 0.7, 0.4, 0.6]);
  });

  it('sums to 1 at every position and matches brute force for every masking pattern', () => {
    let maxError = 0;
    for (let pattern = 0; pattern < 1 << L; pattern++) {
      const x0 = sequenceAt((pattern * 7) % V ** L, V, L);
      const xt = x0.map((v, n) => ((pattern >> n) & 1 ? V : v));
      const probs = exactConditionals(joint, xt);
      for (let n = 0; n < L; n++) {
        let total = 0;
        for (let v = 0; v < V; v++) {
          total += probs[n * V + v]!;
          const expected = xt[n] === V ? bruteForce(joint, xt, n, v) : v === xt[n] ? 1 : 0;
          maxError = Math.max(maxError, Math.abs(probs[n * V + v]! - expected));
        }
        expect(total).toBeCloseTo(1, 13);
      }
    }
    expect(maxError).toBeLessThan(1e-13);
  });
});

describe('createExactDenoiser / createUniformDenoiser', () => {
  it('returns the log of the exact conditionals as logits, without leaks', () => {
    const rng = createRng(3);
    const joint = randomJoint(3, 3, () => rng.uniform());
    const denoiser = createExactDenoiser(joint);
    const rows = [
      [3, 1, 3],
      [3, 3, 3],
    ];
    const before = tf.memory().numTensors;
    const probs = tf.tidy(() =>
      tf.softmax(denoiser.logits(tf.tensor2d(rows, [2, 3], 'int32'), tf.tensor1d([0.2, 0.9]))),
    );
    const values = probs.dataSync();
    probs.dispose();
    expect(tf.memory().numTensors).toBe(before);
    rows.forEach((row, b) => {
      const exact = exactConditionals(joint, row);
      for (let i = 0; i < exact.length; i++) expect(values[b * 9 + i]).toBeCloseTo(exact[i]!, 5);
    });
    expect(() => denoiser.logits(tf.zeros([1, 2], 'int32'), tf.zeros([1]))).toThrow(/length 3, got 2/);
  });

  it('honour the denoiser contract', async () => {
    const rng = createRng(3);
    expect(
      await checkDenoiserContract(createExactDenoiser(randomJoint(3, 3, () => rng.uniform())), { length: 3 }),
    ).toEqual([]);
    expect(await checkDenoiserContract(createUniformDenoiser(5), { length: 6, batch: 2 })).toEqual([]);
  });
});
