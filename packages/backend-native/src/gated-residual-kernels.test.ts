import { GATED_RESIDUAL_GRAD_KERNEL, GATED_RESIDUAL_KERNEL } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomValues } from './matmul-reference.test-helper';
import { nativeAvailable } from './native-available.test-helper';
import { NATIVE_BACKEND } from './register-native-backend';

const unitRoundoff = 2 ** -24;

describe.runIf(nativeAvailable)('native gated-residual kernels', () => {
  beforeAll(async () => {
    expect(await tf.setBackend(NATIVE_BACKEND)).toBe(true);
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  // odd widths (a 16-lane tail, a partial 64-column block), one position, one and several sequences
  for (const [batch, P, d] of [
    [3, 7, 37],
    [1, 5, 128],
    [2, 300, 70],
    [4, 1, 16],
  ] as const) {
    it(`forward and dBranch equal the composed ops bit for bit, dGate the float64 sum (B ${batch}, P ${P}, d ${d})`, () => {
      const rows = batch * P;
      const [xv, gv, fv, dyv] = [rows * d, batch * d, rows * d, rows * d].map((n, i) =>
        randomValues(n, 10 * d + i),
      );
      const x = tf.tensor2d(xv!, [rows, d]);
      const gate = tf.tensor2d(gv!, [batch, d]);
      const branch = tf.tensor2d(fv!, [rows, d]);
      const dy = tf.tensor2d(dyv!, [rows, d]);
      const before = tf.memory().numTensors;
      const y = tf.tidy(() =>
        (tf.engine().runKernel(GATED_RESIDUAL_KERNEL, { x, gate, branch }) as tf.Tensor).dataSync(),
      );
      const [dGate, dBranch] = tf.tidy(() =>
        (tf.engine().runKernel(GATED_RESIDUAL_GRAD_KERNEL, { dy, gate, branch }) as tf.Tensor[]).map((t) =>
          t.dataSync(),
        ),
      );
      expect(tf.memory().numTensors).toBe(before);
      const [composedY, composedDBranch] = tf.tidy(() => {
        const g = tf.reshape(gate, [batch, 1, d]);
        const perSequence = (t: tf.Tensor) => tf.reshape(t, [batch, P, d]);
        return [tf.add(perSequence(x), tf.mul(g, perSequence(branch))), tf.mul(perSequence(dy), g)].map((t) =>
          t.dataSync(),
        );
      });
      expect(y).toEqual(composedY);
      expect(dBranch).toEqual(composedDBranch);
      // dGate_bc = sum_p dy f in float32: within (P + 1) u sum_p |dy f| of the exact sum
      for (let b = 0; b < batch; b++) {
        for (let c = 0; c < d; c++) {
          let exact = 0;
          let magnitude = 0;
          for (let p = 0; p < P; p++) {
            const i = (b * P + p) * d + c;
            exact += dyv![i]! * fv![i]!;
            magnitude += Math.abs(dyv![i]! * fv![i]!);
          }
          expect(Math.abs(dGate![b * d + c]! - exact)).toBeLessThanOrEqual(
            (P + 1) * unitRoundoff * magnitude,
          );
        }
      }
      tf.dispose([x, gate, branch, dy]);
    });
  }

  it('names the input whose shape is wrong', () => {
    const x = tf.zeros([6, 4]);
    const gate = tf.zeros([2, 4]);
    const badGate = tf.zeros([4, 4]);
    const badBranch = tf.zeros([6, 5]);
    expect(() => tf.engine().runKernel(GATED_RESIDUAL_KERNEL, { x, gate: badGate, branch: x })).toThrow(
      /Md4GatedResidual: expected float32 x \[B\*P, d\] with gate \[B, d\], got x \[6,4\], \[4,4\]/,
    );
    expect(() => tf.engine().runKernel(GATED_RESIDUAL_KERNEL, { x, gate, branch: badBranch })).toThrow(
      /Md4GatedResidual: branch must be float32 \[6,4\], got float32 \[6,5\]/,
    );
    expect(() =>
      tf.engine().runKernel(GATED_RESIDUAL_GRAD_KERNEL, { dy: x, gate, branch: badBranch }),
    ).toThrow(/Md4GatedResidualGrad: branch must be float32 \[6,4\]/);
    tf.dispose([x, gate, badGate, badBranch]);
  });
});
