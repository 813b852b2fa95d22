import { SIGMOID_GATE_GRAD_KERNEL, SIGMOID_GATE_KERNEL } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { sigmoidGate } from './gated-mlp';

describe('sigmoid gate through backend kernels (SIGMOID_GATE_KERNEL)', () => {
  it('where the backend registers them, values and gradients equal the composed ops', async () => {
    const previous = tf.getBackend();
    await tf.setBackend('cpu');
    const f = Math.fround;
    const calls: string[] = [];
    const sigmoid = (x: number) => f(1 / (1 + Math.exp(-x))); // the cpu backend's Sigmoid
    try {
      const g = tf.tensor2d(
        Array.from({ length: 12 }, (_, i) => Math.sin(i) * 4),
        [3, 4],
      );
      const u = tf.tensor2d(
        Array.from({ length: 12 }, (_, i) => Math.cos(i * 0.5)),
        [3, 4],
      );
      const dy = tf.tensor2d(
        Array.from({ length: 12 }, (_, i) => (i % 5) - 2),
        [3, 4],
      );
      const run = () =>
        tf.tidy(() => {
          const value = sigmoidGate(g, u).dataSync();
          const [dg, du] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(sigmoidGate(a as tf.Tensor2D, b as tf.Tensor2D), dy)),
          )([g, u]);
          return [value, dg!.dataSync(), du!.dataSync()];
        });
      const composed = run();
      const read = (backend: unknown, t: tf.TensorInfo) =>
        (backend as tf.KernelBackend).readSync(t.dataId) as Float32Array;
      const write = (backend: unknown, values: Float32Array, shape: number[]) => ({
        dataId: (backend as tf.KernelBackend).write(values, shape, 'float32'),
        shape,
        dtype: 'float32' as const,
      });
      tf.registerKernel({
        kernelName: SIGMOID_GATE_KERNEL,
        backendName: 'cpu',
        kernelFunc: ({ inputs, backend }) => {
          calls.push('forward');
          const [gv, uv] = [read(backend, inputs.gate!), read(backend, inputs.up!)];
          return write(
            backend,
            gv.map((x, i) => f(sigmoid(x) * uv[i]!)),
            inputs.gate!.shape,
          );
        },
      });
      tf.registerKernel({
        kernelName: SIGMOID_GATE_GRAD_KERNEL,
        backendName: 'cpu',
        kernelFunc: ({ inputs, backend }) => {
          calls.push('gradient');
          const [dv, gv, uv] = [
            read(backend, inputs.dy!),
            read(backend, inputs.gate!),
            read(backend, inputs.up!),
          ];
          const dyS = dv.map((d, i) => f(d * sigmoid(gv[i]!)));
          const dGate = dyS.map((d, i) => f(f(d * uv[i]!) * f(1 - sigmoid(gv[i]!))));
          return [write(backend, dGate, inputs.gate!.shape), write(backend, dyS, inputs.gate!.shape)];
        },
      });
      const before = tf.memory().numTensors;
      const fused = run();
      expect(tf.memory().numTensors).toBe(before);
      expect(calls).toEqual(['forward', 'forward', 'gradient']);
      expect(fused).toEqual(composed);
      tf.dispose([g, u, dy]);
    } finally {
      tf.unregisterKernel(SIGMOID_GATE_KERNEL, 'cpu');
      tf.unregisterKernel(SIGMOID_GATE_GRAD_KERNEL, 'cpu');
      await tf.setBackend(previous);
    }
  });
});
