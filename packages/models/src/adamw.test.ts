import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { AdamW, resolveAdamW } from './adamw';
import { ExponentialMovingAverage } from './ema';
import { learningRateAt } from './learning-rate';

describe('AdamW', () => {
  it('one step by hand: p = p (1 - lr wd) - lr mhat / (sqrt(vhat) + eps)', async () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const opt = new AdamW({ lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
    const g = tf.tensor1d([0.5, 0.1]);
    expect(opt.apply(new Map([['p', p]]), new Map([['p', g]]))).toBe(0.1);
    // k = 1: mhat = g, vhat = g^2, so the step is lr * g / (|g| + eps) ~ 0.1 * sign(g)
    const v1 = await p.data();
    expect(v1[0]).toBeCloseTo(1 * 0.999 - 0.1 * (0.5 / (0.5 + 1e-8)), 6); // 0.899
    expect(v1[1]).toBeCloseTo(-2 * 0.999 - 0.1 * (0.1 / (0.1 + 1e-8)), 6); // -2.098
    // second step, g2 = [-0.25, 0.3], in float64
    const g2 = [-0.25, 0.3];
    const expected = [0, 1].map((i) => {
      const gi = [0.5, 0.1][i]!;
      const m = 0.9 * 0.1 * gi + 0.1 * g2[i]!;
      const v = 0.999 * 0.001 * gi * gi + 0.001 * g2[i]! ** 2;
      const mhat = m / (1 - 0.9 ** 2);
      const vhat = v / (1 - 0.999 ** 2);
      return v1[i]! * (1 - 0.1 * 0.01) - (0.1 * mhat) / (Math.sqrt(vhat) + 1e-8);
    });
    const g2t = tf.tensor1d(g2);
    opt.apply(new Map([['p', p]]), new Map([['p', g2t]]));
    const v2 = await p.data();
    expect(v2[0]).toBeCloseTo(expected[0]!, 5);
    expect(v2[1]).toBeCloseTo(expected[1]!, 5);
    expect(opt.step).toBe(2);
    tf.dispose([p, g, g2t]);
    opt.dispose();
  });

  it('gradScale multiplies the gradient, decay() selects weight decay, no tensors leak', async () => {
    const p = tf.variable(tf.tensor1d([2]));
    const g = tf.tensor1d([4]);
    const opt = new AdamW({ lr: 0.5, weightDecay: 0.1 });
    opt.apply(new Map([['p', p]]), new Map([['p', g]]), { gradScale: 0.25, decay: () => false });
    expect((await p.data())[0]).toBeCloseTo(2 - 0.5, 5); // no decay; sign step
    expect((await opt.state().get('p')!.m.data())[0]).toBeCloseTo(0.1 * 4 * 0.25, 6);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) opt.apply(new Map([['p', p]]), new Map([['p', g]]));
    expect(tf.memory().numTensors).toBe(before);
    expect(() => opt.apply(new Map([['p', p]]), new Map())).toThrow(/no gradient for parameter "p"/);
    tf.dispose([p, g]);
    opt.dispose();
  });

  it('warmup then cosine decay', () => {
    const c = { lr: 1, warmupSteps: 10, totalSteps: 110 };
    expect(learningRateAt(c, 0)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(c, 9)).toBe(1);
    expect(learningRateAt(c, 10)).toBe(1);
    expect(learningRateAt(c, 60)).toBeCloseTo(0.5, 12);
    expect(learningRateAt(c, 110)).toBeCloseTo(0, 12);
    expect(learningRateAt({ ...c, minLrRatio: 0.1 }, 500)).toBeCloseTo(0.1, 12);
    expect(learningRateAt({ lr: 2 }, 1000)).toBe(2);
  });

  it('replan moves the end of the decay and keeps the rest of the schedule', () => {
    const opt = new AdamW({ lr: 1, warmupSteps: 10, totalSteps: 110, weightDecay: 0.1 });
    opt.step = 30;
    opt.replan(50);
    expect(opt.config).toMatchObject({ lr: 1, warmupSteps: 10, totalSteps: 50, weightDecay: 0.1 });
    expect(opt.step).toBe(30);
    // progress (30 - 10) / (50 - 10) = 1/2: half the peak
    expect(opt.learningRate()).toBeCloseTo(0.5, 12);
    expect(opt.learningRate(50)).toBeCloseTo(0, 12);
    expect(() => opt.replan(0)).toThrow(/totalSteps must be a positive integer/);
    expect(() => opt.replan(12.5)).toThrow(/totalSteps must be a positive integer/);
    expect(opt.config.totalSteps).toBe(50);
  });

  it('rejects bad settings', () => {
    expect(() => resolveAdamW({ beta2: 1 })).toThrow(/beta2 must lie in \[0, 1\)/);
    expect(() => resolveAdamW({ lr: -1 })).toThrow(/lr must be/);
    expect(() => resolveAdamW({ clipNorm: 0 })).toThrow(/clipNorm/);
  });
});

describe('EMA', () => {
  it('shadow = decay * shadow + (1 - decay) * p', async () => {
    const p = tf.variable(tf.tensor1d([1, 10]));
    const ema = new ExponentialMovingAverage(new Map([['p', p]]), 0.9);
    p.assign(tf.tensor1d([3, 0]));
    ema.update(new Map([['p', p]]));
    ema.update(new Map([['p', p]]));
    const s = await ema.shadow.p!.data();
    expect(s[0]).toBeCloseTo(0.9 * (0.9 * 1 + 0.1 * 3) + 0.1 * 3, 6); // 1.38
    expect(s[1]).toBeCloseTo(0.81 * 10, 5);
    expect(() => new ExponentialMovingAverage(new Map(), 1)).toThrow(/decay must lie in \[0, 1\)/);
    ema.dispose();
    p.dispose();
  });
});
