import { GATED_RESIDUAL_GRAD_KERNEL, GATED_RESIDUAL_KERNEL } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gatedResidual } from './gated-residual';

describe('gated residual through backend kernels (GATED_RESIDUAL_KERNEL)', () => {
  it('where the backend registers them, the value and gradients equal the composed ops', async () => {
    const previous = tf.getBackend();
    await tf.setBackend('cpu');
    const f = Math.fround;
    const calls: string[] = [];
    // B = 2 sequences of P = 3 positions, d = 4
    const [B, P, d] = [2, 3, 4];
    try {
      const values = (scale: number, n: number) =>
        Array.from({ length: n }, (_, i) => Math.sin(i * scale + 1) * 3);
      const x = tf.tensor2d(values(0.7, B * P * d), [B * P, d]);
      const gate = tf.tensor2d(values(1.3, B * d), [B, d]);
      const branch = tf.tensor2d(values(0.4, B * P * d), [B * P, d]);
      const dy = tf.tensor2d(values(2.1, B * P * d), [B * P, d]);
      const run = () =>
        tf.tidy(() => {
          const value = gatedResidual(x, gate, branch, false).dataSync();
          const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(gatedResidual(a as tf.Tensor2D, g as tf.Tensor2D, b as tf.Tensor2D, false), dy)),
          )([x, gate, branch]);
          return [value, ...grads.map((t) => t.dataSync())];
        });
      const composed = run();
      const read = (backend: unknown, t: tf.TensorInfo) =>
        (backend as tf.KernelBackend).readSync(t.dataId) as Float32Array;
      const write = (backend: unknown, data: Float32Array, shape: number[]) => ({
        dataId: (backend as tf.KernelBackend).write(data, shape, 'float32'),
        shape,
        dtype: 'float32' as const,
      });
      const gateOf = (g: Float32Array, i: number) => g[Math.floor(i / (P * d)) * d + (i % d)]!;
      tf.registerKernel({
        kernelName: GATED_RESIDUAL_KERNEL,
        backendName: 'cpu',
        kernelFunc: ({ inputs, backend }) => {
          calls.push('forward');
          const [xv, gv, fv] = [
            read(backend, inputs.x!),
            read(backend, inputs.gate!),
            read(backend, inputs.branch!),
          ];
          return write(
            backend,
            xv.map((v, i) => f(v + f(gateOf(gv, i) * fv[i]!))),
            inputs.x!.shape,
          );
        },
      });
      tf.registerKernel({
        kernelName: GATED_RESIDUAL_GRAD_KERNEL,
        backendName: 'cpu',
        kernelFunc: ({ inputs, backend }) => {
          calls.push('gradient');
          const [dv, gv, fv] = [
            read(backend, inputs.dy!),
            read(backend, inputs.gate!),
            read(backend, inputs.branch!),
          ];
          const dGate = new Float32Array(B * d);
          dv.forEach((v, i) => {
            const j = Math.floor(i / (P * d)) * d + (i % d);
            dGate[j] = f(dGate[j]! + f(v * fv[i]!));
          });
          return [
            write(backend, dGate, inputs.gate!.shape),
            write(
              backend,
              dv.map((v, i) => f(v * gateOf(gv, i))),
              inputs.dy!.shape,
            ),
          ];
        },
      });
      const before = tf.memory().numTensors;
      const fused = run();
      expect(tf.memory().numTensors).toBe(before);
      expect(calls).toEqual(['forward', 'forward', 'gradient']);
      const [value, dx, dGate, dBranch] = fused;
      expect(value).toEqual(composed[0]);
      expect(dx).toEqual(composed[1]);
      expect(dBranch).toEqual(composed[3]);
      // dGate: a float32 sum of P = 3 terms of magnitude <= 9 in another order
      dGate!.forEach((v, i) => {
        expect(Math.abs(v - composed[2]![i]!)).toBeLessThanOrEqual(4 * 27 * 2 ** -24);
      });
      tf.dispose([x, gate, branch, dy]);
    } finally {
      tf.unregisterKernel(GATED_RESIDUAL_KERNEL, 'cpu');
      tf.unregisterKernel(GATED_RESIDUAL_GRAD_KERNEL, 'cpu');
      await tf.setBackend(previous);
    }
  });
});
