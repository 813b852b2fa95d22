import { createRng } from '@md4/core';
import { checkDenoiserContract } from '@md4/core/testing';
import { md4Loss } from '@md4/elbo';
import { cosine, linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  expectKernelPathsAgree,
  matMulRequests,
  maxAbsDiff,
  randomizeZeroInit,
  randomTokens,
} from './test-helpers.test-helper';
import { createTransformer } from './transformer';
import type { TransformerConfig } from './transformer-config';

const tiny: TransformerConfig = { vocabSize: 7, seqLen: 12, layers: 2, dModel: 16, heads: 2 };

const randomize = randomizeZeroInit;
const tokens = randomTokens;

describe('Transformer', () => {
  it('requests the precision it was given for its products (and none by default)', async () => {
    const model = createTransformer(tiny, { seed: 3, kernels: 'reference' });
    randomize(model, 4);
    const xt = tokens(2, 12, 7, 5);
    const t = tf.tensor1d([0.2, 0.7]);
    let plain: Float32Array | undefined;
    let requested: Float32Array | undefined;
    const none = await matMulRequests(() => {
      plain = tf.tidy(() => model.forward(xt, t).dataSync() as Float32Array);
    });
    const fp32 = await matMulRequests(() => {
      requested = tf.tidy(() => model.forward(xt, t, { precision: 'fp32' }).dataSync() as Float32Array);
    });
    expect(new Set(none)).toEqual(new Set([undefined]));
    expect(fp32.length).toBe(none.length);
    // per layer the q/k/v, attention, output and gated-MLP products, and the output layer
    expect(none.length).toBeGreaterThanOrEqual(6 * tiny.layers + 1);
    expect(new Set(fp32)).toEqual(new Set(['fp32']));
    // a float32 backend computes the same values whatever is asked
    expect(requested).toEqual(plain);
    tf.dispose([xt, t]);
    model.dispose();
  });

  it('outputs exactly zero logits at initialisation (uniform prediction)', () => {
    const model = createTransformer(tiny, { seed: 3 });
    const xt = tokens(3, 12, 7, 1);
    const t = tf.tensor1d([0.1, 0.5, 0.9]);
    const logits = model.logits(xt, t);
    expect(logits.shape).toEqual([3, 12, 7]);
    expect(logits.dtype).toBe('float32');
    expect(Array.from(logits.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([logits, xt, t]);
    model.dispose();
  });

  it('loss at init = (1 - eps) log2 V bits/token, for any schedule', () => {
    const V = 27;
    const model = createTransformer(
      { vocabSize: V, seqLen: 32, layers: 1, dModel: 16, heads: 2 },
      { seed: 1 },
    );
    const expected = (1 - 1e-4) * Math.log2(V);
    for (const schedule of [linear(), cosine()]) {
      const rng = createRng(7);
      const losses: number[] = [];
      for (let i = 0; i < 16; i++) {
        const x0 = tf.tensor2d(
          Int32Array.from({ length: 64 * 32 }, () => Math.floor(rng.uniform() * V)),
          [64, 32],
          'int32',
        );
        const r = md4Loss(model, x0, { schedule, rng });
        losses.push(r.loss.dataSync()[0]!);
        tf.dispose([x0, r.loss, r.nelbo]);
      }
      const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
      const se = Math.sqrt(
        losses.reduce((a, b) => a + (b - mean) ** 2, 0) / (losses.length - 1) / losses.length,
      );
      // measured: linear 4.8013 +- 0.0495, cosine 4.7473 +- 0.0596 vs 4.7544 (1024 sequences each)
      expect(Math.abs(mean - expected)).toBeLessThan(4 * se);
    }
    model.dispose();
  });

  it('honours the Denoiser contract (time-conditioned, time-agnostic, token groups)', async () => {
    const configs: TransformerConfig[] = [
      tiny,
      { ...tiny, timeConditioned: false },
      { vocabSize: 9, seqLen: 12, layers: 1, dModel: 16, heads: 2, tokensPerPosition: 3, tokenEmbedDim: 4 },
    ];
    for (const c of configs) {
      const model = createTransformer(c, { seed: 2 });
      randomize(model, 5);
      expect(model.timeConditioned).toBe(c.timeConditioned ?? true);
      expect(await checkDenoiserContract(model, { length: 12, batch: 2 })).toEqual([]);
      model.dispose();
    }
  });

  it('the image-28 preset: 784 pixel tokens over 256 values, 7 pixels per position, through the MD4 loss', async () => {
    const model = createTransformer('image-28', { seed: 1 });
    expect(model.config.image).toEqual({ height: 28, width: 28, channels: 1 });
    const rng = createRng(3);
    const pixels = tf.tensor2d(
      Int32Array.from({ length: 2 * 784 }, () => Math.floor(rng.uniform() * 256)),
      [2, 784],
      'int32',
    );
    const r = md4Loss(model, pixels, { schedule: linear(), rng });
    expect(r.loss.dataSync()[0]).toBeGreaterThan(6); // ~ (1 - eps) * 8 bits per pixel at init
    const xt = tokens(2, 784, 256, 4);
    const t = tf.tensor1d([0.3, 0.9]);
    const logits = model.logits(xt, t);
    expect(logits.shape).toEqual([2, 784, 256]);
    tf.dispose([pixels, r.loss, r.nelbo, xt, t, logits]);
    model.dispose();
  });

  it('same seed, bit-identical weights; another seed, other weights', async () => {
    const [a, b, c] = [
      createTransformer(tiny, { seed: 9 }),
      createTransformer(tiny, { seed: 9 }),
      createTransformer(tiny, { seed: 10 }),
    ];
    for (const s of a.layout) {
      expect(Array.from(await a.params[s.name]!.data())).toEqual(Array.from(await b.params[s.name]!.data()));
    }
    expect(Array.from(await a.params['blocks.0.attn.qkv.kernel']!.data())).not.toEqual(
      Array.from(await c.params['blocks.0.attn.qkv.kernel']!.data()),
    );
    for (const m of [a, b, c]) m.dispose();
  });

  it('the wasm kernel path equals the reference path (logits and parameter gradients)', () => {
    expectKernelPathsAgree((kernels) => createTransformer(tiny, { seed: 4, kernels }), 12);
  });

  it('is bidirectional: the first position sees a change at the last', () => {
    const model = createTransformer(tiny, { seed: 5 });
    randomize(model, 7);
    const base = Int32Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 7 : i % 7));
    const other = base.slice();
    other[11] = (other[11]! + 1) % 7;
    const t = tf.tensor1d([0.5]);
    const [x1, x2] = [tf.tensor2d(base, [1, 12], 'int32'), tf.tensor2d(other, [1, 12], 'int32')];
    const [a, b] = [model.logits(x1, t), model.logits(x2, t)];
    const first = (x: tf.Tensor) => Array.from(x.dataSync().slice(0, 7));
    expect(Math.max(...first(a).map((v, i) => Math.abs(v - first(b)[i]!)))).toBeGreaterThan(1e-4);
    tf.dispose([t, x1, x2, a, b]);
    model.dispose();
  });

  it('without RoPE and time, permuting the tokens permutes the logits', () => {
    const model = createTransformer({ ...tiny, ropeTheta: 0, timeConditioned: false }, { seed: 6 });
    randomize(model, 8);
    const xt = tokens(1, 12, 7, 4);
    const perm = [5, 2, 11, 0, 7, 3, 9, 1, 10, 4, 8, 6];
    const idx = tf.tensor1d(perm, 'int32');
    const t = tf.tensor1d([0.5]);
    const permuted = tf.gather(xt, idx, 1) as tf.Tensor2D;
    const [a, b] = [model.logits(xt, t), model.logits(permuted, t)];
    expect(maxAbsDiff(b, tf.gather(a, idx, 1))).toBeLessThan(1e-5);
    tf.dispose([xt, idx, t, permuted, a, b]);
    model.dispose();
  });

  it('dropout applies only in training and is reproducible from the rng', () => {
    const model = createTransformer({ ...tiny, dropout: 0.3 }, { seed: 7 });
    randomize(model, 9);
    const xt = tokens(2, 12, 7, 5);
    const t = tf.tensor1d([0.2, 0.7]);
    const [e1, e2] = [model.logits(xt, t), model.logits(xt, t)];
    expect(maxAbsDiff(e1, e2)).toBe(0);
    const [d1, d2] = [model.training(createRng(1)).logits(xt, t), model.training(createRng(1)).logits(xt, t)];
    expect(maxAbsDiff(d1, d2)).toBe(0);
    expect(maxAbsDiff(d1, e1)).toBeGreaterThan(1e-3);
    expect(() => model.forward(xt, t, { training: true })).toThrow(/needs an rng/);
    tf.dispose([xt, t, e1, e2, d1, d2]);
    model.dispose();
  });

  it('leaks no tensors over repeated forward passes (all paths)', () => {
    const model = createTransformer(tiny, { seed: 8 });
    const xt = tokens(2, 12, 7, 6);
    const t = tf.tensor1d([0.4, 0.6]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) tf.dispose(model.logits(xt, t));
    tf.dispose(model.training(createRng(1)).logits(xt, t));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xt, t]);
    model.dispose();
  });

  it('rejects bad inputs with clear errors', () => {
    const model = createTransformer({ ...tiny, tokensPerPosition: 2 });
    const t2 = tf.tensor1d([0.5, 0.5]);
    const f32 = tf.zeros([2, 12]) as tf.Tensor2D;
    const long = tf.zeros([2, 14], 'int32') as tf.Tensor2D;
    const odd = tf.zeros([2, 5], 'int32') as tf.Tensor2D;
    const ok = tf.zeros([2, 12], 'int32') as tf.Tensor2D;
    const t3 = tf.tensor1d([0.5, 0.5, 0.5]);
    expect(() => model.logits(f32, t2)).toThrow(/int32 \[B, L\]/);
    expect(() => model.logits(long, t2)).toThrow(/sequence length 14 must be <= 12/);
    expect(() => model.logits(odd, t2)).toThrow(/multiple of 2/);
    expect(() => model.logits(ok, t3)).toThrow(/t must have shape \[2\]/);
    expect(() => createTransformer('nope' as never)).toThrow(/unknown preset/);
    model.dispose();
    expect(() => model.logits(ok, t2)).toThrow(/disposed/);
    tf.dispose([t2, f32, long, odd, ok, t3]);
  });
});
