import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { applyRope, ropeTables } from './rotary-embedding';

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
