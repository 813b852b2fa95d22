import { createRng } from '@md4/core';
import { checkDenoiserContract } from '@md4/core/testing';
import { md4Loss } from '@md4/elbo';
import { linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createDDiT } from './ddit';
import type { DDiTConfig } from './ddit-config';
import { geluTanh } from './gelu';
import { linearWithBias } from './linear-layer';
import { sigmaConditioning, sigmaEmbedding } from './sigma-embedding';
import {
  copyTaskElbo,
  expectKernelPathsAgree,
  finiteDifference,
  maxAbsDiff,
  randomizeZeroInit,
  randomTokens,
} from './test-helpers.test-helper';

const tiny: DDiTConfig = {
  arch: 'ddit',
  vocabSize: 7,
  seqLen: 12,
  layers: 2,
  dModel: 16,
  heads: 2,
  condDim: 8,
};

const randomize = randomizeZeroInit;
const tokens = randomTokens;

describe('DDiT', () => {
  it('outputs exactly zero logits at initialisation (adaLN and output layer zero, as MDLM)', () => {
    const model = createDDiT(tiny, { seed: 3 });
    const xt = tokens(3, 12, 7, 1);
    const t = tf.tensor1d([0.1, 0.5, 0.9]);
    const logits = model.logits(xt, t);
    expect(logits.shape).toEqual([3, 12, 7]);
    expect(Array.from(logits.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([logits, xt, t]);
    model.dispose();
  });

  it('honours the Denoiser contract; without time conditioning the output ignores t', async () => {
    for (const timeConditioned of [true, false]) {
      const model = createDDiT({ ...tiny, timeConditioned }, { seed: 2 });
      randomize(model, 5);
      expect(model.timeConditioned).toBe(timeConditioned);
      expect(await checkDenoiserContract(model, { length: 12, batch: 2 })).toEqual([]);
      const xt = tokens(2, 12, 7, 2);
      const [a, b] = [model.logits(xt, tf.tensor1d([0.1, 0.2])), model.logits(xt, tf.tensor1d([0.9, 0.7]))];
      if (timeConditioned) expect(maxAbsDiff(a, b)).toBeGreaterThan(1e-3);
      else expect(maxAbsDiff(a, b)).toBe(0);
      tf.dispose([xt, a, b]);
      model.dispose();
    }
  });

  it('the wasm kernel path equals the reference path (logits and parameter gradients)', () => {
    expectKernelPathsAgree((kernels) => createDDiT(tiny, { seed: 4, kernels }), 12);
  });

  it('parameter gradients match finite differences (reference path)', () => {
    const model = createDDiT(tiny, { seed: 5, kernels: 'reference' });
    randomize(model, 9);
    const xt = tokens(1, 6, 7, 4);
    const t = tf.tensor1d([0.6]);
    const probe = tf.randomNormal([1, 6, 7], 0, 1, 'float32', 2);
    for (const name of ['blocks.1.mlp.up.bias', 'blocks.0.ada.bias', 'sigma.mlp1.bias', 'final.norm.scale']) {
      const v = model.params[name]!;
      const f = (x: tf.Tensor) => {
        const saved = v.clone();
        v.assign(x);
        const out = tf.sum(tf.mul(model.logits(xt, t), probe)) as tf.Scalar;
        v.assign(saved);
        saved.dispose();
        return out;
      };
      const g = tf.variableGrads(() => tf.sum(tf.mul(model.logits(xt, t), probe)) as tf.Scalar, [v]);
      const analytic = g.grads[v.name]!.dataSync()[1]!;
      const numeric = finiteDifference(f, v, 1, 1e-2);
      expect(Math.abs(analytic - numeric), name).toBeLessThan(2e-2 * Math.max(1, Math.abs(numeric)));
      tf.dispose([g.value, g.grads]);
    }
    tf.dispose([xt, t, probe]);
    model.dispose();
  });

  it('GELU (tanh) matches its formula and its gradient matches finite differences', () => {
    const values = [-4, -1.5, -0.3, 0, 0.2, 1, 3.5];
    const x = tf.tensor1d(values);
    const y = geluTanh(x).dataSync();
    values.forEach((v, i) => {
      const ref = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
      expect(Math.abs(y[i]! - ref)).toBeLessThan(1e-6);
    });
    const g = tf
      .grad((z: tf.Tensor) => tf.sum(geluTanh(z)))(x)
      .dataSync();
    values.forEach((v, i) => {
      const f = (z: number) => 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3)));
      expect(Math.abs(g[i]! - (f(v + 1e-4) - f(v - 1e-4)) / 2e-4)).toBeLessThan(1e-4);
    });
    x.dispose();
  });

  // 300 steps take ~10 s on wasm; the cpu backend (MD4_TEST_BACKEND=cpu) needs minutes, so it is skipped there.
  it.skipIf(tf.getBackend() === 'cpu')(
    'trains with our trainer: on a copy task the ELBO falls from log2 V toward the data entropy',
    async () => {
      const model = createDDiT(
        {
          arch: 'ddit',
          vocabSize: 4,
          seqLen: 8,
          layers: 2,
          dModel: 32,
          heads: 2,
          condDim: 16,
          timeConditioned: false,
        },
        { seed: 1 },
      );
      const { start, end } = await copyTaskElbo(model);
      // measured: 2.0 at init (uniform) -> 1.054 +- 0.043 after 300 steps (entropy 1.0); seeds 2 and 3
      // reach 1.31 and 1.33 (time-conditioned: 1.22-1.56)
      expect(Math.abs(start.bitsPerToken - 2)).toBeLessThan(4 * start.stderr);
      expect(end.bitsPerToken).toBeLessThan(1.4);
      expect(end.bitsPerToken).toBeGreaterThan(1 - 4 * end.stderr);
      model.dispose();
    },
  );

  it('leaks no tensors (forward, training view, md4Loss)', () => {
    const model = createDDiT({ ...tiny, dropout: 0.1 }, { seed: 8 });
    const xt = tokens(2, 12, 7, 6);
    const t = tf.tensor1d([0.4, 0.6]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(model.logits(xt, t));
    tf.dispose(model.training(createRng(1)).logits(xt, t));
    const x0 = tokens(2, 12, 7, 7, 0);
    const r = md4Loss(model, x0, { schedule: linear(), rng: createRng(2) });
    tf.dispose([x0, ...Object.values(r)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xt, t]);
    model.dispose();
  });

  it('its pieces leak no tensors: geluTanh, linearWithBias, sigmaEmbedding, sigmaConditioning (and their gradients)', () => {
    const x = tf.randomNormal([5, 8], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.randomNormal([8, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
    const b = tf.randomNormal([3], 0, 1, 'float32', 3) as tf.Tensor1D;
    const sigma = tf.tensor1d([0, 0.7, 3]);
    const p = {
      w1: tf.randomNormal([256, 4], 0, 0.1, 'float32', 4) as tf.Tensor2D,
      b1: tf.zeros([4]) as tf.Tensor1D,
      w2: tf.randomNormal([4, 4], 0, 0.5, 'float32', 5) as tf.Tensor2D,
      b2: tf.zeros([4]) as tf.Tensor1D,
    };
    const before = tf.memory().numTensors;
    tf.dispose([
      geluTanh(x),
      linearWithBias(x, w, b, false),
      sigmaEmbedding(sigma),
      sigmaConditioning(sigma, p, false),
    ]);
    const g = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
      tf.sum(geluTanh(linearWithBias(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D, false))),
    )([x, w, b]);
    // d/db of sum(gelu(x W + b)) against finite differences, in float64 around the float32 values
    const xs = x.arraySync() as number[][];
    const ws = w.arraySync() as number[][];
    const bs = Array.from(b.dataSync());
    const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    const total = (bias: number[]) =>
      xs.reduce(
        (sum, row) =>
          sum + bias.reduce((s2, bj, j) => s2 + gelu(row.reduce((a, xi, i) => a + xi * ws[i]![j]!, bj)), 0),
        0,
      );
    const db = g[2]!.dataSync();
    for (let j = 0; j < 3; j++) {
      const up = bs.slice();
      const down = bs.slice();
      up[j]! += 1e-4;
      down[j]! -= 1e-4;
      expect(Math.abs(db[j]! - (total(up) - total(down)) / 2e-4)).toBeLessThan(1e-3);
    }
    tf.dispose(g);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, b, sigma, ...Object.values(p)]);
  });

  it('rejects bad configs and inputs with clear errors', () => {
    expect(() => createDDiT({ ...tiny, dModel: 15 })).toThrow(/not divisible by heads/);
    expect(() => createDDiT({ ...tiny, dModel: 18, heads: 6 })).toThrow(/head dim 3 must be even/);
    expect(() => createDDiT({ ...tiny, condDim: 0 })).toThrow(/condDim must be a positive integer/);
    expect(() => createDDiT({ ...tiny, layers: 2 ** 40 })).toThrow(/layers must be a positive integer/);
    expect(() => createDDiT({ ...tiny, timeConditioned: 1 as never })).toThrow(/timeConditioned/);
    const model = createDDiT(tiny);
    const long = tf.zeros([1, 13], 'int32') as tf.Tensor2D;
    const t1 = tf.tensor1d([0.5]);
    expect(() => model.logits(long, t1)).toThrow(/sequence length 13 must be <= 12/);
    model.dispose();
    expect(() => model.logits(long, t1)).toThrow(/disposed/);
    tf.dispose([long, t1]);
  });
});
