import { createRng } from '@md4/core';
import { linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { checkpointed } from './activation-checkpoint';
import { createDDiT } from './ddit';
import type { DenoisingNetwork } from './denoising-network';
import type { Network } from './network-config';
import { randomizeZeroInit, randomTokens } from './test-helpers.test-helper';
import { createTrainer } from './train-step';
import { createTransformer } from './transformer';

/** d/dw of sum(logits * probe) for every weight, and the live bytes when the forward pass ended. */
function gradients(model: Network, checkpointActivations: boolean, seed: number) {
  const [B, L, V] = [2, 12, model.vocabSize];
  const xt = randomTokens(B, L, V, seed);
  const t = tf.tensor1d([0.3, 0.8]);
  const probe = tf.randomNormal([B, L, V], 0, 1, 'float32', seed);
  let keptBytes = 0;
  const { value, grads } = tf.variableGrads(() => {
    const logits = (
      model as DenoisingNetwork<{
        vocabSize: number;
        seqLen: number;
        timeConditioned: boolean;
        dropout: number;
      }>
    )
      .training(createRng(seed), { checkpointActivations })
      .logits(xt, t);
    keptBytes = tf.memory().numBytes;
    return tf.sum(tf.mul(logits, probe)) as tf.Scalar;
  });
  const out = {
    value: value.dataSync()[0]!,
    grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, Float32Array.from(g.dataSync())])),
    keptBytes,
  };
  tf.dispose([xt, t, probe, value, ...Object.values(grads)]);
  return out;
}

function expectSameGradients(a: ReturnType<typeof gradients>, b: ReturnType<typeof gradients>) {
  expect(b.value).toBeCloseTo(a.value, 4);
  expect(Object.keys(b.grads).sort()).toEqual(Object.keys(a.grads).sort());
  for (const [name, g] of Object.entries(a.grads)) {
    const h = b.grads[name]!;
    const scale = Math.max(1e-6, ...Array.from(g, Math.abs));
    for (let i = 0; i < g.length; i++) expect(Math.abs(h[i]! - g[i]!) / scale).toBeLessThan(1e-5);
  }
}

describe('activation checkpointing', () => {
  it('checkpointed(f) has the value and gradients of f, and keeps only its inputs', () => {
    const x = tf.tensor2d([0.5, -1, 2, 0.25], [2, 2]);
    const w = tf.tensor2d([1, 2, -0.5, 0.75], [2, 2]);
    const f = ([a, b]: tf.Tensor[]) => tf.sum(tf.tanh(tf.matMul(tf.exp(a!), b!)));
    const before = tf.memory().numTensors;
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f([a, b]))([x, w]);
    const [cx, cw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => checkpointed((xs) => f(xs), [a, b]))([x, w]);
    for (const [p, q] of [
      [gx!, cx!],
      [gw!, cw!],
    ] as const) {
      const [u, v] = [p.dataSync(), q.dataSync()];
      for (let i = 0; i < u.length; i++) expect(v[i]!).toBeCloseTo(u[i]!, 6);
    }
    tf.dispose([gx!, gw!, cx!, cw!]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });

  it.each([
    [
      'md4 transformer, time-conditioned, dropout 0.1',
      () =>
        createTransformer(
          { vocabSize: 7, seqLen: 12, layers: 3, dModel: 16, heads: 2, timeConditioned: true, dropout: 0.1 },
          { seed: 3 },
        ),
    ],
    [
      'md4 transformer, no time conditioning',
      () =>
        createTransformer(
          { vocabSize: 7, seqLen: 12, layers: 3, dModel: 16, heads: 2, timeConditioned: false },
          { seed: 4 },
        ),
    ],
    [
      'ddit, dropout 0.1',
      () =>
        createDDiT(
          {
            arch: 'ddit',
            vocabSize: 7,
            seqLen: 12,
            layers: 3,
            dModel: 16,
            heads: 2,
            condDim: 8,
            dropout: 0.1,
          },
          { seed: 5 },
        ),
    ],
  ] as const)(
    '%s: the same gradients (dropout masks replayed), much less kept after the forward pass',
    (_, build) => {
      const model = build();
      randomizeZeroInit(model, 9);
      const before = tf.memory().numTensors;
      const plain = gradients(model, false, 11);
      const saved = gradients(model, true, 11);
      expectSameGradients(plain, saved);
      // what the tape keeps: every block's intermediates, against each block's input
      expect(saved.keptBytes).toBeLessThan(0.6 * plain.keptBytes);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    },
  );

  it('a trainer with checkpointActivations takes the same steps as one without', async () => {
    const config = { vocabSize: 7, seqLen: 12, layers: 2, dModel: 16, heads: 2, dropout: 0.1 } as const;
    const data = [
      Int32Array.from({ length: 12 }, (_, i) => i % 7),
      Int32Array.from({ length: 12 }, (_, i) => (3 * i) % 7),
    ];
    const run = async (checkpointActivations: boolean) => {
      const model = createTransformer(config, { seed: 1 });
      const trainer = createTrainer({
        model,
        schedule: linear(),
        optimizer: { lr: 1e-2, warmupSteps: 1, totalSteps: 10 },
        seed: 2,
        checkpointActivations,
      });
      const losses = [];
      for (let s = 0; s < 3; s++) losses.push((await trainer.step(data)).loss);
      const weights = Float32Array.from(model.params['blocks.0.mlp.up.kernel']!.dataSync());
      trainer.dispose();
      model.dispose();
      return { losses, weights };
    };
    const [plain, saved] = [await run(false), await run(true)];
    for (let s = 0; s < 3; s++) expect(saved.losses[s]!).toBeCloseTo(plain.losses[s]!, 4);
    for (let i = 0; i < plain.weights.length; i++)
      expect(saved.weights[i]!).toBeCloseTo(plain.weights[i]!, 5);
  });
});
