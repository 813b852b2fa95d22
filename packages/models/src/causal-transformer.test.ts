import { createRng } from '@md4/core';
import { estimateAutoregressiveNll } from '@md4/elbo';
import { linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { parseCheckpoint } from './checkpoint-parse';
import { restoreTrainer } from './checkpoint-restore';
import { checkpointFromTrainer } from './checkpoint-serialize';
import type { KernelMode } from './denoising-network';
import {
  expectKernelPathsAgree,
  kernelPaths,
  maxAbsDiff,
  randomizeZeroInit,
} from './test-helpers.test-helper';
import { createTrainer } from './train-step';
import { createTransformer } from './transformer';
import { resolveConfig, type TransformerConfig } from './transformer-config';

const causal: TransformerConfig = { vocabSize: 7, seqLen: 12, layers: 2, dModel: 16, heads: 2, causal: true };

const sequence = (values: number[]) => tf.tensor2d(values, [1, values.length], 'int32');

describe('causal transformer (the autoregressive baseline)', () => {
  it('has no time conditioning by default, and refuses time or token groups', () => {
    expect(resolveConfig(causal).timeConditioned).toBe(false);
    expect(resolveConfig({ ...causal, causal: undefined }).causal).toBe(false);
    expect(() => resolveConfig({ ...causal, timeConditioned: true })).toThrow(/no time to condition on/);
    expect(() => resolveConfig({ ...causal, tokensPerPosition: 2, tokenEmbedDim: 8 })).toThrow(
      /one token per position/,
    );
  });

  for (const kernels of kernelPaths().map((fast): KernelMode => (fast ? 'auto' : 'reference'))) {
    it(`row n of nextTokenLogits sees x_0..x_(n-1) only, and is the forward pass on x shifted right (${kernels})`, () => {
      const model = createTransformer(causal, { seed: 3, kernels });
      randomizeZeroInit(model, 4);
      const base = [3, 1, 4, 1, 5, 2, 6, 5, 3, 5, 0, 2];
      const x = sequence(base);
      const before = tf.memory().numTensors;
      const logits = model.nextTokenLogits(x);
      expect(tf.memory().numTensors).toBe(before + 1);
      const rows = logits.arraySync()[0]!;
      for (const n of [0, 5, 11]) {
        const changed = base.map((v, i) => (i >= n ? (v + 3) % 7 : v));
        const y = sequence(changed);
        const other = tf.tidy(() => model.nextTokenLogits(y).arraySync()[0]!);
        // rows 0..n see only the unchanged prefix x_0..x_(n-1)
        for (let m = 0; m <= n; m++) for (let v = 0; v < 7; v++) expect(other[m]![v]).toBe(rows[m]![v]);
        if (n < 11) expect(other[n + 1]).not.toEqual(rows[n + 1]);
        y.dispose();
      }
      const shifted = sequence([7, ...base.slice(0, 11)]);
      const direct = tf.tidy(() => model.forward(shifted, tf.zeros([1])));
      expect(maxAbsDiff(direct, logits)).toBe(0);
      tf.dispose([x, logits, shifted, direct]);
      model.dispose();
    });
  }

  it('the wasm kernel path equals the reference path with the causal mask (logits and gradients)', () => {
    expectKernelPathsAgree((kernels) => createTransformer(causal, { seed: 4, kernels }), 12);
  });

  it('a bidirectional transformer refuses nextTokenLogits (its row n would see x_n)', () => {
    const model = createTransformer({ ...causal, causal: false }, { seed: 1 });
    const x = sequence([1, 2, 3]);
    expect(() => model.nextTokenLogits(x)).toThrow(/bidirectional.*--objective ar/);
    x.dispose();
    model.dispose();
  });

  it("trains the exact likelihood (objective 'ar') to the copy task's entropy, and resumes exactly", async () => {
    // four uniform tokens over V = 4, then the same four again: 8 bits per 8 tokens = 1 bit/token
    const [V, L] = [4, 8];
    const rng = createRng(5);
    const batch = () =>
      Array.from({ length: 32 }, () => {
        const a = new Int32Array(L);
        for (let i = 0; i < L / 2; i++) a[i] = a[i + L / 2] = Math.floor(rng.uniform() * V);
        return a;
      });
    const model = createTransformer({
      vocabSize: V,
      seqLen: L,
      layers: 2,
      dModel: 32,
      heads: 2,
      causal: true,
    });
    const trainer = createTrainer({
      model,
      schedule: linear(),
      optimizer: { lr: 3e-3, warmupSteps: 20, weightDecay: 0 },
      emaDecay: 0,
      seed: 2,
    });
    expect(trainer.objective).toBe('ar');
    const evalData = Array.from({ length: 8 }, batch);
    const start = await estimateAutoregressiveNll(trainer.evalModel(), evalData);
    // an untrained network predicts uniformly: exactly log2 4 = 2 bits/token
    expect(start.bitsPerToken).toBeCloseTo(2, 5);
    for (let s = 0; s < 200; s++) await trainer.step(batch());
    const end = await estimateAutoregressiveNll(trainer.evalModel(), evalData);
    // the optimum is 1 bit/token (the first half cannot be predicted, the second is copied)
    expect(end.bitsPerToken).toBeGreaterThan(1 - 4 * end.stderr);
    expect(end.bitsPerToken).toBeLessThan(1.15);

    const saved = await checkpointFromTrainer(trainer);
    expect(saved.config.training!.loss).toBe('ar');
    expect(saved.config.model).toMatchObject({ causal: true, timeConditioned: false });
    const next = batch();
    const restored = restoreTrainer(parseCheckpoint(saved.configJson, saved.weights));
    expect(restored.trainer.objective).toBe('ar');
    const [a, b] = [await trainer.step(next), await restored.trainer.step(next)];
    expect(b).toEqual(a);
    restored.disposeAll();
    trainer.dispose();
    model.dispose();
  }, 120_000);

  it('refuses a GenMD4 schedule or discrete timesteps for a causal model', () => {
    const model = createTransformer(causal, { seed: 1 });
    expect(() => createTrainer({ model, schedule: linear(), timesteps: 8 })).toThrow(
      /no GenMD4 schedule and no timesteps/,
    );
    model.dispose();
  });
});
