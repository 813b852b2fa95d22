import { createRng } from '@md4/core';
import {
  createBigramNextTokenModel,
  createExactNextTokenModel,
  randomJoint,
  sequenceIndex,
} from '@md4/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { sampleAutoregressive } from './autoregressive-sampler';
import { chiSquareTest } from './test-support/chi-square';
import { conditionalOnPrompt } from './test-support/joint';

describe('sampleAutoregressive', () => {
  it('draws sequences from the joint whose exact conditionals the model gives (chi-square, p > 1e-3)', async () => {
    const rng = createRng(3);
    const joint = randomJoint(3, 3, () => rng.uniform());
    const model = createExactNextTokenModel(joint);
    const counts = new Float64Array(joint.probabilities.length);
    const before = tf.memory().numTensors;
    const draws = createRng(8);
    let calls = 0;
    for (let i = 0; i < 20; i++) {
      const { tokens, networkCalls } = await sampleAutoregressive(model, {
        length: 3,
        batch: 100,
        rng: draws,
      });
      for (const x of tokens) counts[sequenceIndex(x, 3)]!++;
      calls += networkCalls;
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(calls).toBe(20 * 3);
    // 2,000 draws over 27 cells: a correct sampler fails this one time in a thousand
    expect(chiSquareTest(counts, joint.probabilities).pValue).toBeGreaterThan(1e-3);
  });

  it('keeps a prompt prefix and draws the rest from p(x | prefix)', async () => {
    const rng = createRng(6);
    const joint = randomJoint(2, 4, () => rng.uniform());
    const model = createExactNextTokenModel(joint);
    const prompt = Int32Array.from([1, 0, 2, 2]); // V = 2 is MASK
    const counts = new Float64Array(16);
    const draws = createRng(1);
    for (let i = 0; i < 10; i++) {
      const { tokens, networkCalls } = await sampleAutoregressive(model, {
        length: 4,
        prompt: Array.from({ length: 100 }, () => prompt),
        rng: draws,
      });
      expect(networkCalls).toBe(2);
      for (const x of tokens) {
        expect(Array.from(x.subarray(0, 2))).toEqual([1, 0]);
        counts[sequenceIndex(x, 2)]!++;
      }
    }
    expect(chiSquareTest(counts, conditionalOnPrompt(joint, prompt)).pValue).toBeGreaterThan(1e-3);
  });

  it('is greedy at temperature 0 (a bigram table, worked by hand)', async () => {
    // V = 3; from the start row the argmax is 2, from 2 it is 0, from 0 it is 1, from 1 it is 1
    const table = tf.tensor2d(
      [
        [0, 5, 1], // after 0
        [0, 4, 1], // after 1
        [3, 1, 2], // after 2
        [0, 1, 9], // start
      ],
      [4, 3],
    );
    const model = createBigramNextTokenModel(table);
    const { tokens } = await sampleAutoregressive(model, { length: 5, temperature: 0, rng: createRng(0) });
    expect(Array.from(tokens[0]!)).toEqual([2, 0, 1, 1, 1]);
    table.dispose();
  });

  it('refuses a fixed token after a free one, and a length beyond the model', async () => {
    const table = tf.zeros([3, 2]) as tf.Tensor2D;
    const model = createBigramNextTokenModel(table, 4);
    await expect(
      sampleAutoregressive(model, { length: 3, prompt: [Int32Array.from([2, 1, 2])], rng: createRng(0) }),
    ).rejects.toThrow(/position 1 is fixed after the free position 0/);
    await expect(sampleAutoregressive(model, { length: 5, rng: createRng(0) })).rejects.toThrow(/\[1, 4\]/);
    table.dispose();
  });

  it('rejects with an AbortError once aborted, leaving no tensors', async () => {
    const table = tf.zeros([3, 2]) as tf.Tensor2D;
    const model = createBigramNextTokenModel(table);
    const controller = new AbortController();
    controller.abort();
    const before = tf.memory().numTensors;
    await expect(
      sampleAutoregressive(model, { length: 8, rng: createRng(0), signal: controller.signal }),
    ).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(tf.memory().numTensors).toBe(before);
    table.dispose();
  });
});
