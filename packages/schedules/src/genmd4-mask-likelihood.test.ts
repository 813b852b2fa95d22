import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  genmd4LogMaskLikelihood,
  genmd4MaskProbability,
  genmd4TokenExponents,
} from './genmd4-mask-likelihood';
import { genmd4Schedule } from './genmd4-schedule';

const V = 5;
const B = 4;
const L = 6;
const eps = 1e-3;
const raw = [-1.5, 0, 0.7, 2, -0.2];
const x0 = [
  [0, 1, 2, 3, 4, 0],
  [4, 4, 1, 1, 2, 3],
  [2, 0, 3, 1, 0, 4],
  [3, 3, 3, 2, 2, 1],
];
const times = [0.02, 0.5, 0.93, 0.999];
const mask = [
  [1, 0, 1, 0, 0, 1],
  [0, 0, 0, 1, 1, 1],
  [1, 1, 1, 0, 1, 0],
  [1, 1, 1, 1, 0, 1],
];

const schedule = genmd4Schedule(V, { eps });
tf.tidy(() => schedule.rawExponents.assign(tf.tensor1d(raw)));
afterAll(() => schedule.dispose());

/** log q(z | x0, t) in float64, straight from the formula, as a function of w_raw. */
function logQ64(rawW: number[], b: number): number {
  const w = rawW.map((x) => Math.log1p(Math.exp(x)));
  let total = 0;
  for (let n = 0; n < L; n++) {
    const wx = w[x0[b]![n]!]!;
    const t = times[b]!;
    total += mask[b]![n] ? Math.log(1 - eps) + wx * Math.log(t) : Math.log(1 - (1 - eps) * t ** wx);
  }
  return total;
}

const inputs = () => ({
  x: tf.tensor2d(x0, [B, L], 'int32'),
  t: tf.tensor1d(times),
  z: tf.tensor2d(mask, [B, L], 'int32'),
});

describe('genmd4MaskProbability / genmd4TokenExponents', () => {
  it('equal (1 - eps) t^{w_{x0}} = 1 - alpha_{t, x0} and w_{x0}', () => {
    const { x, t, z } = inputs();
    const p = genmd4MaskProbability(schedule, x, t);
    const wx = genmd4TokenExponents(schedule, x);
    const pv = p.dataSync();
    const wv = wx.dataSync();
    for (let b = 0; b < B; b++) {
      for (let n = 0; n < L; n++) {
        const v = x0[b]![n]!;
        const w = Math.log1p(Math.exp(raw[v]!));
        expect(wv[b * L + n]).toBeCloseTo(w, 5);
        expect(pv[b * L + n]! / ((1 - eps) * times[b]! ** w)).toBeCloseTo(1, 5);
        expect(pv[b * L + n]).toBeCloseTo(1 - schedule.alpha(times[b]!, v), 6);
      }
    }
    tf.dispose([x, t, z, p, wx]);
  });
});

describe('genmd4LogMaskLikelihood', () => {
  it('matches the float64 formula (relative error < 1e-5)', () => {
    const { x, t, z } = inputs();
    const logq = genmd4LogMaskLikelihood(schedule, x, z, t);
    const values = logq.dataSync();
    for (let b = 0; b < B; b++) {
      const expected = logQ64(raw, b);
      expect(Math.abs(values[b]! - expected) / Math.abs(expected)).toBeLessThan(1e-5);
    }
    tf.dispose([x, t, z, logq]);
  });

  it('is normalised: q(masked) + q(kept) = 1 for every value and time (bool masks accepted)', () => {
    let worst = 0;
    for (const time of [1e-6, 0.01, 0.3, 0.7, 0.9999, 1]) {
      for (let v = 0; v < V; v++) {
        const total = tf.tidy(() => {
          const x = tf.tensor2d([[v]], [1, 1], 'int32');
          const t = tf.tensor1d([time]);
          const masked = genmd4LogMaskLikelihood(schedule, x, tf.tensor2d([[true]], [1, 1], 'bool'), t);
          const kept = genmd4LogMaskLikelihood(schedule, x, tf.tensor2d([[false]], [1, 1], 'bool'), t);
          return tf.add(tf.exp(masked), tf.exp(kept));
        });
        worst = Math.max(worst, Math.abs(total.dataSync()[0]! - 1));
        total.dispose();
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('has gradients in w_raw equal to finite differences of the float64 formula', () => {
    const { x, t, z } = inputs();
    const coefficients = [0.7, -1.3, 0.4, 2.1];
    const { value, grads } = tf.variableGrads(
      () =>
        tf.sum(tf.mul(genmd4LogMaskLikelihood(schedule, x, z, t), tf.tensor1d(coefficients))) as tf.Scalar,
      [schedule.rawExponents],
    );
    const g = grads[schedule.rawExponents.name]!.dataSync();
    const objective = (r: number[]) => coefficients.reduce((s, c, b) => s + c * logQ64(r, b), 0);
    let worst = 0;
    for (let v = 0; v < V; v++) {
      const h = 1e-6;
      const up = raw.slice();
      const down = raw.slice();
      up[v]! += h;
      down[v]! -= h;
      const fd = (objective(up) - objective(down)) / (2 * h);
      worst = Math.max(worst, Math.abs(g[v]! - fd) / Math.max(1, Math.abs(fd)));
    }
    expect(worst).toBeLessThan(1e-4);
    tf.dispose([x, t, z, value, grads]);
  });

  it('stays finite with finite gradients at t = 0 and t = 1', () => {
    const x = tf.tensor2d([[0, 3]], [1, 2], 'int32');
    const z = tf.tensor2d([[1, 0]], [1, 2], 'int32');
    for (const time of [0, 1]) {
      const t = tf.tensor1d([time]);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(genmd4LogMaskLikelihood(schedule, x, z, t)) as tf.Scalar,
        [schedule.rawExponents],
      );
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      expect(Array.from(grads[schedule.rawExponents.name]!.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([t, value, grads]);
    }
    tf.dispose([x, z]);
  });

  it('leaks no tensors and rejects bad shapes and a disposed schedule', () => {
    const { x, t, z } = inputs();
    const before = tf.memory().numTensors;
    tf.dispose([
      genmd4LogMaskLikelihood(schedule, x, z, t),
      genmd4MaskProbability(schedule, x, t),
      genmd4TokenExponents(schedule, x),
    ]);
    expect(tf.memory().numTensors).toBe(before);
    const xf = tf.cast(x, 'float32') as tf.Tensor2D;
    expect(() => genmd4MaskProbability(schedule, xf, t)).toThrow(
      /x0 must be an int32 tensor of shape \[B, L\]/,
    );
    expect(() => genmd4TokenExponents(schedule, xf)).toThrow(/int32/);
    const t3 = tf.tensor1d([0.1, 0.2, 0.3]);
    expect(() => genmd4MaskProbability(schedule, x, t3)).toThrow(/t must have shape \[4\]/);
    const zBad = tf.zeros([4, 5]) as tf.Tensor2D;
    expect(() => genmd4LogMaskLikelihood(schedule, x, zBad, t)).toThrow(/masked must have the shape of x0/);
    const gone = genmd4Schedule(V);
    gone.dispose();
    expect(() => genmd4MaskProbability(gone, x, t)).toThrow(/disposed/);
    tf.dispose([x, t, z, xf, t3, zBad]);
  });
});
