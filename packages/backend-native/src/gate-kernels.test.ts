import { SIGMOID_GATE_GRAD_KERNEL, SIGMOID_GATE_KERNEL } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomValues } from './matmul-reference.test-helper';
import { nativeAvailable } from './native-available.test-helper';
import { NATIVE_BACKEND } from './register-native-backend';

const n = 50_003;

describe.runIf(nativeAvailable)('native sigmoid-gate kernels', () => {
  beforeAll(async () => {
    expect(await tf.setBackend(NATIVE_BACKEND)).toBe(true);
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it('forward and gradient equal the composed ops bit for bit (large gates saturate too)', () => {
    const gate = tf.tensor1d(randomValues(n, 1).map((x, i) => (i % 101 === 0 ? x * 200 : x * 6)));
    const up = tf.tensor1d(randomValues(n, 2));
    const dy = tf.tensor1d(randomValues(n, 3));
    const before = tf.memory().numTensors;
    const y = tf.tidy(() =>
      (tf.engine().runKernel(SIGMOID_GATE_KERNEL, { gate, up }) as tf.Tensor).dataSync(),
    );
    const [dGate, dUp] = tf.tidy(() =>
      (tf.engine().runKernel(SIGMOID_GATE_GRAD_KERNEL, { dy, gate, up }) as tf.Tensor[]).map((t) =>
        t.dataSync(),
      ),
    );
    expect(tf.memory().numTensors).toBe(before);
    const composed = tf.tidy(() => {
      const s = tf.sigmoid(gate);
      const dyS = tf.mul(dy, s);
      return [tf.mul(s, up), tf.mul(tf.mul(dyS, up), tf.sub(1, s)), dyS].map((t) => t.dataSync());
    });
    expect(y).toEqual(composed[0]);
    expect(dGate).toEqual(composed[1]);
    expect(dUp).toEqual(composed[2]);
    // and against float64: sigmoid to ~1 ulp
    const [gv, uv] = [gate.dataSync(), up.dataSync()];
    for (let i = 0; i < n; i += 499) {
      const exact = uv[i]! / (1 + Math.exp(-gv[i]!));
      expect(Math.abs(y[i]! - exact)).toBeLessThanOrEqual(1e-6 * Math.abs(uv[i]!) + 1e-30);
    }
    tf.dispose([gate, up, dy]);
  });

  it('refuses inputs of different shapes', () => {
    const a = tf.zeros([3]);
    const b = tf.zeros([4]);
    expect(() => tf.engine().runKernel(SIGMOID_GATE_KERNEL, { gate: a, up: b })).toThrow(/one shape/);
    tf.dispose([a, b]);
  });
});
