import { createRng } from '@md4/core';
import { createBigramNextTokenModel } from '@md4/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { SAMPLE_LOGITS_BYTES, sampleAutoregressiveInBatches, sampleChunks } from './sample-chunks';

describe('sampleChunks', () => {
  it('splits a large count so the logits of each call stay under 256 MiB, covering every sequence once', () => {
    expect(sampleChunks(4096, 128, 27)).toEqual([4096]); // 4096 x 128 x 27 x 4 B = 57 MB
    const gpt2 = sampleChunks(3, 1024, 50257); // 206 MB each: one sequence per call
    expect(gpt2).toEqual([1, 1, 1]);
    const mixed = sampleChunks(100, 64, 50257);
    expect(mixed.reduce((a, b) => a + b, 0)).toBe(100);
    for (const n of mixed) expect(n * 64 * 50257 * 4).toBeLessThanOrEqual(SAMPLE_LOGITS_BYTES);
    expect(mixed[0]).toBe(Math.floor(SAMPLE_LOGITS_BYTES / (64 * 50257 * 4)));
  });
});

describe('sampleAutoregressiveInBatches', () => {
  it('draws `count` sequences that keep the prompt prefix, leaving no tensors', async () => {
    // a bigram judge whose every row puts all but e^-30 of the mass on value (previous + 1) mod 3
    const table = tf.tensor2d(
      [
        [0, 30, 0],
        [0, 0, 30],
        [30, 0, 0],
        [30, 0, 0], // start: 0
      ],
      [4, 3],
    );
    const model = createBigramNextTokenModel(table);
    const before = tf.memory().numTensors;
    const { tokens, networkCalls } = await sampleAutoregressiveInBatches(model, {
      count: 3,
      length: 5,
      prompt: Int32Array.from([2, 3, 3, 3, 3]),
      rng: createRng(1),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(tokens.map((x) => Array.from(x))).toEqual([
      [2, 0, 1, 2, 0],
      [2, 0, 1, 2, 0],
      [2, 0, 1, 2, 0],
    ]);
    expect(networkCalls).toBe(4);
    table.dispose();
  });
});
