import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { embed } from './embedding';
import { linear } from './linear-layer';
import { finiteDifference, kernelPaths, maxAbsDiff } from './test-helpers.test-helper';
import { matMulT } from './transposed-matmul';

describe('custom-gradient linear layer and embedding', () => {
  it('matMulT equals tf.matMul for every transpose combination', () => {
    const a = tf.randomNormal([5, 7], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal([7, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
    const at = tf.transpose(a) as tf.Tensor2D;
    const bt = tf.transpose(b) as tf.Tensor2D;
    const ref = tf.matMul(a, b);
    for (const fast of kernelPaths()) {
      for (const [x, y, ta, tb] of [
        [a, b, false, false],
        [at, b, true, false],
        [a, bt, false, true],
        [at, bt, true, true],
      ] as const) {
        const before = tf.memory().numTensors;
        const out = matMulT(x, y, ta, tb, fast);
        expect(maxAbsDiff(out, ref)).toBeLessThan(1e-5);
        out.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }
    }
    tf.dispose([a, b, at, bt, ref]);
  });

  it('linear: value and gradients equal tf.grad of tf.matMul, and finite differences', () => {
    const x = tf.randomNormal([6, 4], 0, 1, 'float32', 3) as tf.Tensor2D;
    const w = tf.randomNormal([4, 5], 0, 1, 'float32', 4) as tf.Tensor2D;
    const probe = tf.randomNormal([6, 5], 0, 1, 'float32', 5);
    const plain = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), probe)) as tf.Scalar;
    const [rx, rw] = tf.grads(plain)([x, w]);
    for (const fast of kernelPaths()) {
      const custom = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(linear(a as tf.Tensor2D, b as tf.Tensor2D, fast), probe)) as tf.Scalar;
      const [gx, gw] = tf.grads(custom)([x, w]);
      expect(maxAbsDiff(gx!, rx!)).toBeLessThan(1e-5);
      expect(maxAbsDiff(gw!, rw!)).toBeLessThan(1e-5);
      // d/dW[1,2] by central differences (float32 loss, h = 1e-2: error ~1e-3)
      const fd = finiteDifference((v) => custom(x, v), w, 1 * 5 + 2);
      expect(Math.abs(fd - gw!.dataSync()[7]!)).toBeLessThan(5e-3);
      tf.dispose([gx!, gw!]);
    }
    tf.dispose([x, w, probe, rx!, rw!]);
  });

  it('embedding: rows of the table, gradient = one-hot^T dy (mask row included), equal to finite differences', () => {
    const table = tf.randomNormal([5, 3], 0, 1, 'float32', 6) as tf.Tensor2D; // V = 4, row 4 = MASK
    const ids = tf.tensor1d([0, 4, 2, 4, 1], 'int32');
    const probe = tf.randomNormal([5, 3], 0, 1, 'float32', 7);
    for (const fast of kernelPaths()) {
      const out = embed(ids, table, fast);
      expect(maxAbsDiff(out, tf.gather(table, ids))).toBe(0);
      const f = (t: tf.Tensor) => tf.sum(tf.mul(embed(ids, t as tf.Tensor2D, fast), probe)) as tf.Scalar;
      const g = tf.grad(f)(table);
      // expected: row r of the gradient = sum of probe rows whose id is r
      const p = probe.arraySync() as number[][];
      const expected = [p[0]!, p[4]!, p[2]!, [0, 0, 0], p[1]!.map((v, j) => v + p[3]![j]!)];
      expect(maxAbsDiff(g, tf.tensor2d(expected))).toBeLessThan(1e-6);
      expect(Math.abs(finiteDifference(f, table, 4 * 3 + 1) - g.dataSync()[13]!)).toBeLessThan(5e-3);
      tf.dispose([out, g]);
    }
    expect(() => embed(tf.tensor1d([0.5]), table, false)).toThrow(/int32/);
    tf.dispose([table, ids, probe]);
  });

  it('rejects mismatched shapes with a clear error', () => {
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    const w = tf.zeros([4, 5]) as tf.Tensor2D;
    expect(() => linear(x, w, false)).toThrow(/input has 3 features but the kernel expects 4/);
    tf.dispose([x, w]);
  });
});
