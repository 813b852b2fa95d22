import { ROPE_KERNEL } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { applyRope, ropeTables } from './rotary-embedding';
import { readCpu, writeCpu } from './test-helpers.test-helper';

describe('rotary embedding', () => {
  it('rotates pair (2p, 2p+1) of position n by n theta^(-2p/hd)', () => {
    const t = ropeTables(4, 4, 10000);
    expect(t.cos[3 * 2 + 1]).toBeCloseTo(Math.cos(3 * 10000 ** (-2 / 4)), 6);
    expect(t.sin[2 * 2 + 0]).toBeCloseTo(Math.sin(2), 6);
    expect(() => ropeTables(4, 3)).toThrow(/even head dimension/);
  });

  it('keeps norms and makes q.k depend only on the relative position', () => {
    const q = tf.randomNormal([1, 1, 1, 8], 0, 1, 'float32', 1);
    const k = tf.randomNormal([1, 1, 1, 8], 0, 1, 'float32', 2);
    const tables = ropeTables(16, 8);
    const at = (x: tf.Tensor, n: number) =>
      tf.tidy(() =>
        tf.slice(applyRope(tf.tile(x, [1, 1, 16, 1]) as tf.Tensor4D, tables), [0, 0, n, 0], [1, 1, 1, 8]),
      );
    const dot = (m: number, n: number) => tf.tidy(() => tf.sum(tf.mul(at(q, m), at(k, n))).dataSync()[0]!);
    expect(dot(5, 2)).toBeCloseTo(dot(12, 9), 4);
    expect(dot(3, 3)).toBeCloseTo(dot(0, 0), 4);
    expect(tf.norm(at(q, 7)).dataSync()[0]).toBeCloseTo(tf.norm(q).dataSync()[0]!, 4);
    tf.dispose([q, k]);
  });
});

describe('rotary embedding through a backend kernel (ROPE_KERNEL)', () => {
  it('where the backend registers it, values and gradients equal the composed ops', async () => {
    const previous = tf.getBackend();
    await tf.setBackend('cpu');
    const f = Math.fround;
    let calls = 0;
    try {
      const [B, H, L, hd] = [2, 2, 5, 6];
      const tables = ropeTables(L, hd);
      const x = tf.tensor4d(
        Array.from({ length: B * H * L * hd }, (_, i) => Math.sin(i * 1.3)),
        [B, H, L, hd],
      );
      const dy = tf.tensor4d(
        Array.from({ length: B * H * L * hd }, (_, i) => Math.cos(i * 0.7)),
        [B, H, L, hd],
      );
      const run = () =>
        tf.tidy(() => [
          applyRope(x, tables).dataSync(),
          tf
            .grad((t: tf.Tensor) => tf.sum(tf.mul(applyRope(t as tf.Tensor4D, tables), dy)))(x)
            .dataSync(),
        ]);
      const composed = run();
      // @md4/core's formula in float32 JavaScript, as a backend would register it
      tf.registerKernel({
        kernelName: ROPE_KERNEL,
        backendName: 'cpu',
        kernelFunc: ({ inputs, backend, attrs }) => {
          calls++;
          const [xs, cs, ss] = [
            readCpu(backend, inputs.x!),
            readCpu(backend, inputs.cos!),
            readCpu(backend, inputs.sin!),
          ];
          const half = inputs.cos!.shape[1]!;
          const rows = inputs.cos!.shape[0]!;
          const out = new Float32Array(xs.length);
          for (let r = 0; r < xs.length / (2 * half); r++) {
            for (let j = 0; j < half; j++) {
              const [x0, x1] = [xs[r * 2 * half + 2 * j]!, xs[r * 2 * half + 2 * j + 1]!];
              const [c, s] = [cs[(r % rows) * half + j]!, ss[(r % rows) * half + j]!];
              const inverse = (attrs as { inverse: boolean }).inverse;
              out[r * 2 * half + 2 * j] = inverse ? f(f(x0 * c) + f(x1 * s)) : f(f(x0 * c) - f(x1 * s));
              out[r * 2 * half + 2 * j + 1] = inverse ? f(f(x1 * c) - f(x0 * s)) : f(f(x0 * s) + f(x1 * c));
            }
          }
          return writeCpu(backend, out, inputs.x!.shape);
        },
      });
      const before = tf.memory().numTensors;
      const fused = run();
      expect(tf.memory().numTensors).toBe(before);
      expect(calls).toBe(3); // the rotation twice (value; inside tf.grad), its inverse once (the gradient)
      expect(fused[0]).toEqual(composed[0]);
      expect(fused[1]).toEqual(composed[1]);
      tf.dispose([x, dy]);
    } finally {
      tf.unregisterKernel(ROPE_KERNEL, 'cpu');
      await tf.setBackend(previous);
    }
  });
});
