import { createRng } from '@md4/core';
import {
  createBigramNextTokenModel,
  createExactNextTokenModel,
  randomJoint,
  sequenceAt,
} from '@md4/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { autoregressiveLoss, estimateAutoregressiveNll } from './autoregressive-loss';

describe('autoregressiveLoss', () => {
  it('is -log p(x) of each sequence by the chain rule, under the exact conditionals of a joint', () => {
    const rng = createRng(11);
    const joint = randomJoint(3, 4, () => rng.uniform());
    const model = createExactNextTokenModel(joint);
    const sequences = Array.from({ length: joint.probabilities.length }, (_, i) => sequenceAt(i, 3, 4));
    const before = tf.memory().numTensors;
    const result = autoregressiveLoss(model, sequences);
    const nats = result.perSequence.dataSync();
    let mean = 0;
    sequences.forEach((_, i) => {
      const p = joint.probabilities[i]!;
      // float32 logits of probabilities down to ~1e-7: a few 1e-6 nats
      if (p > 1e-6) expect(nats[i]).toBeCloseTo(-Math.log(p), 4);
      mean += nats[i]! / sequences.length;
    });
    expect(result.loss.dataSync()[0]).toBeCloseTo(mean / (4 * Math.LN2), 4);
    expect(result.nelbo.dataSync()[0]).toBe(result.loss.dataSync()[0]);
    expect(result.reconstruction.dataSync()[0]).toBe(0);
    expect(result.times.length).toBe(0);
    expect(result.maskedTokens).toEqual([]);
    tf.dispose([result.loss, result.nelbo, result.perSequence, result.reconstruction]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('has the gradient of a hand-computed bigram likelihood (central finite differences)', () => {
    const V = 3;
    const values = Float32Array.from({ length: (V + 1) * V }, (_, i) => Math.sin(i * 1.7) * 0.8);
    const table = tf.variable(tf.tensor2d(values, [V + 1, V]));
    const model = createBigramNextTokenModel(table);
    const x = [Int32Array.from([0, 2, 2, 1]), Int32Array.from([1, 1, 0, 2])];
    // the same loss in float64 by hand: mean_b sum_n -log softmax(table[x_(n-1)])[x_n] / (L ln 2)
    const byHand = (w: Float64Array) => {
      let total = 0;
      for (const row of x) {
        let previous = V;
        for (const v of row) {
          const logits = w.subarray(previous * V, (previous + 1) * V);
          const m = Math.max(...logits);
          const lse = m + Math.log(logits.reduce((s, l) => s + Math.exp(l - m), 0));
          total += lse - logits[v]!;
          previous = v;
        }
      }
      return total / x.length / (4 * Math.LN2);
    };
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => {
      const r = autoregressiveLoss(model, x);
      tf.dispose([r.nelbo, r.perSequence, r.reconstruction]);
      return r.loss;
    });
    const w = Float64Array.from(values);
    expect(value.dataSync()[0]).toBeCloseTo(byHand(w), 5);
    const g = grads[table.name]!.dataSync();
    const h = 1e-6;
    for (let i = 0; i < w.length; i++) {
      const plus = Float64Array.from(w);
      const minus = Float64Array.from(w);
      plus[i]! += h;
      minus[i]! -= h;
      expect(g[i]).toBeCloseTo((byHand(plus) - byHand(minus)) / (2 * h), 5);
    }
    tf.dispose([value, grads]);
    expect(tf.memory().numTensors).toBe(before);
    table.dispose();
  });

  it('refuses tokens outside [0, V), naming the sequence', () => {
    const table = tf.zeros([4, 3]) as tf.Tensor2D;
    const model = createBigramNextTokenModel(table);
    expect(() => autoregressiveLoss(model, [Int32Array.from([0, 3])])).toThrow(/sequence 0/);
    table.dispose();
  });
});

describe('estimateAutoregressiveNll', () => {
  it('gives the exact mean bits per token over a data set, with its standard error', async () => {
    const rng = createRng(5);
    const joint = randomJoint(2, 5, () => rng.uniform(), 2);
    const model = createExactNextTokenModel(joint);
    const sequences = Array.from({ length: 32 }, (_, i) => sequenceAt(i, 2, 5));
    const before = tf.memory().numTensors;
    const estimate = await estimateAutoregressiveNll(model, [sequences.slice(0, 20), sequences.slice(20)]);
    expect(tf.memory().numTensors).toBe(before);
    const bits = sequences.map((_, i) => -Math.log2(joint.probabilities[i]!) / 5);
    const mean = bits.reduce((a, b) => a + b, 0) / bits.length;
    const sd = Math.sqrt(bits.reduce((s, b) => s + (b - mean) ** 2, 0) / (bits.length - 1));
    expect(estimate.bitsPerToken).toBeCloseTo(mean, 4);
    expect(estimate.stderr).toBeCloseTo(sd / Math.sqrt(bits.length), 4);
    expect(estimate.tokens).toBe(160);
    expect(estimate.sequences).toBe(32);
    expect(estimate.perplexity).toBeCloseTo(2 ** mean, 4);
    expect(estimate.reconstruction).toBe(0);
  });
});

describe('generative perplexity under a bigram judge (worked by hand)', () => {
  it('is exp of the mean negative log-likelihood per token of fixed strings', async () => {
    // V = 2. From the start: p(0) = 3/4. After 0: p(1) = 1/2. After 1: p(1) = 9/10.
    const table = tf.tensor2d(
      [
        [0, 0],
        [0, Math.log(9)],
        [Math.log(3), 0],
      ],
      [3, 2],
    );
    const judge = createBigramNextTokenModel(table);
    // "0 1 1": 3/4 * 1/2 * 9/10 = 27/80;  "1 0 0": 1/4 * 1/10 * 1/2 = 1/80
    const estimate = await estimateAutoregressiveNll(judge, [
      [Int32Array.from([0, 1, 1]), Int32Array.from([1, 0, 0])],
    ]);
    const nats = -Math.log(27 / 80) - Math.log(1 / 80);
    expect(estimate.perplexity).toBeCloseTo(Math.exp(nats / 6), 4);
    expect(estimate.bitsPerToken).toBeCloseTo(nats / 6 / Math.LN2, 5);
    table.dispose();
  });
});
