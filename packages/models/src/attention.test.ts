import { ATTENTION_GRAD_KERNEL, ATTENTION_KERNEL, type AttentionAttrs } from '@md4/core';
import { attentionGradReference, attentionReference } from '@md4/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { attention } from './attention';
import { kernelPaths, maxAbsDiff, readCpu, writeCpu } from './test-helpers.test-helper';

const shape = (ropeTheta: number) => ({ batch: 2, seqLen: 6, heads: 2, headDim: 4, ropeTheta });

describe('attention', () => {
  it('the wasm kernel path equals the reference ops in value and gradient (with and without RoPE)', () => {
    if (kernelPaths().length < 2) return; // only on the wasm backend
    for (const theta of [10000, 0]) {
      const s = shape(theta);
      const qkv = tf.randomNormal([12, 24], 0, 1, 'float32', 11) as tf.Tensor2D;
      const probe = tf.randomNormal([12, 8], 0, 1, 'float32', 12);
      const f = (fast: boolean) => (x: tf.Tensor) =>
        tf.sum(tf.mul(attention(x as tf.Tensor2D, s, fast), probe)) as tf.Scalar;
      const [a, b] = [attention(qkv, s, true), attention(qkv, s, false)];
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
      const [ga, gb] = [tf.grad(f(true))(qkv), tf.grad(f(false))(qkv)];
      expect(maxAbsDiff(ga, gb)).toBeLessThan(1e-5);
      tf.dispose([qkv, probe, a, b, ga, gb]);
    }
  });

  it('without RoPE it is permutation-equivariant: permuting positions permutes the output', () => {
    const s = shape(0);
    const qkv = tf.randomNormal([12, 24], 0, 1, 'float32', 13);
    const perm = [3, 0, 5, 1, 4, 2];
    const rows = [...perm, ...perm.map((p) => p + 6)];
    const permuted = tf.gather(qkv, tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
    for (const fast of kernelPaths()) {
      const out = attention(qkv as tf.Tensor2D, s, fast);
      const outPermuted = attention(permuted, s, fast);
      expect(maxAbsDiff(outPermuted, tf.gather(out, tf.tensor1d(rows, 'int32')))).toBeLessThan(1e-5);
      tf.dispose([out, outPermuted]);
    }
    tf.dispose([qkv, permuted]);
  });

  it('is bidirectional: the first position depends on the last, and sequences do not mix', () => {
    const s = shape(10000);
    const qkv = tf.randomNormal([12, 24], 0, 1, 'float32', 14);
    const changed = tf.tidy(() => {
      const v = qkv.arraySync() as number[][];
      v[5] = v[5]!.map((x) => x + 1); // last position of sequence 0
      return tf.tensor2d(v);
    });
    for (const fast of kernelPaths()) {
      const a = attention(qkv as tf.Tensor2D, s, fast).arraySync() as number[][];
      const b = attention(changed, s, fast).arraySync() as number[][];
      const diff = (i: number) => Math.max(...a[i]!.map((x, j) => Math.abs(x - b[i]![j]!)));
      expect(diff(0)).toBeGreaterThan(1e-3); // first position of sequence 0 sees the change
      for (let i = 6; i < 12; i++) expect(diff(i)).toBe(0); // sequence 1 does not
    }
    tf.dispose([qkv, changed]);
  });

  it('leaves no tensors behind, forward and backward', () => {
    const s = shape(10000);
    const qkv = tf.randomNormal([12, 24], 0, 1, 'float32', 15) as tf.Tensor2D;
    for (const fast of kernelPaths()) {
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        tf.dispose(attention(qkv, s, fast));
        tf.dispose(tf.grad((x: tf.Tensor) => tf.sum(attention(x as tf.Tensor2D, s, fast)))(qkv));
      }
      expect(tf.memory().numTensors).toBe(before);
    }
    qkv.dispose();
  });

  it('checks the qkv shape', () => {
    const qkv = tf.zeros([12, 23]) as tf.Tensor2D;
    expect(() => attention(qkv, shape(0), false)).toThrow(/expected \[12, 24\]/);
    qkv.dispose();
  });
});

describe('attention through a backend kernel (ATTENTION_KERNEL)', () => {
  it('where the backend registers it, values and gradients equal the reference ops, with no leaks', async () => {
    const previous = tf.getBackend();
    await tf.setBackend('cpu');
    const calls = { forward: 0, grad: 0 };
    // @md4/core's float64 reference, registered as a backend would register its kernels
    const tables = (backend: unknown, inputs: tf.NamedTensorInfoMap) => ({
      qkv: readCpu(backend, inputs.qkv!),
      cos: readCpu(backend, inputs.cos!),
      sin: readCpu(backend, inputs.sin!),
    });
    const kernels: tf.KernelConfig[] = [
      {
        kernelName: ATTENTION_KERNEL,
        backendName: 'cpu',
        kernelFunc: ({ inputs, backend, attrs }) => {
          calls.forward++;
          const a = attrs as unknown as AttentionAttrs;
          const { out, lse } = attentionReference(a, tables(backend, inputs));
          const rows = a.batch * a.seqLen;
          return [
            writeCpu(backend, out, [rows, a.heads * a.headDim]),
            writeCpu(backend, lse, [a.batch, a.heads, a.seqLen]),
          ];
        },
      },
      {
        kernelName: ATTENTION_GRAD_KERNEL,
        backendName: 'cpu',
        kernelFunc: ({ inputs, backend, attrs }) => {
          calls.grad++;
          const grad = attentionGradReference(
            attrs as unknown as AttentionAttrs,
            tables(backend, inputs),
            readCpu(backend, inputs.dy!),
          );
          return writeCpu(backend, grad, inputs.qkv!.shape);
        },
      },
    ];
    try {
      for (const theta of [10000, 0]) {
        const s = shape(theta);
        const qkv = tf.randomNormal([12, 24], 0, 1, 'float32', 21) as tf.Tensor2D;
        const probe = tf.randomNormal([12, 8], 0, 1, 'float32', 22);
        const run = () =>
          tf.tidy(() => [
            attention(qkv, s, false).dataSync(),
            tf
              .grad((x: tf.Tensor) => tf.sum(tf.mul(attention(x as tf.Tensor2D, s, false), probe)))(qkv)
              .dataSync(),
          ]);
        const composed = run();
        for (const k of kernels) tf.registerKernel(k);
        const before = tf.memory().numTensors;
        const fused = run();
        expect(tf.memory().numTensors).toBe(before);
        for (const k of kernels) tf.unregisterKernel(k.kernelName, 'cpu');
        for (const i of [0, 1]) {
          const [a, b] = [fused[i]!, composed[i]!];
          expect(Math.max(...a.map((x, j) => Math.abs(x - b[j]!)))).toBeLessThan(1e-5);
        }
        tf.dispose([qkv, probe]);
      }
      expect(calls).toEqual({ forward: 4, grad: 2 }); // per theta: the value, and once inside tf.grad
    } finally {
      for (const k of kernels)
        if (tf.getKernel(k.kernelName, 'cpu') != null) tf.unregisterKernel(k.kernelName, 'cpu');
      await tf.setBackend(previous);
    }
  });
});
