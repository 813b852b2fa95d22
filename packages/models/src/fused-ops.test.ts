import {
  ADA_LAYER_NORM_GRAD_KERNEL,
  ADA_LAYER_NORM_KERNEL,
  type AdaLayerNormAttrs,
  GELU_TANH_CONSTANTS,
  GELU_TANH_GRAD_KERNEL,
  GELU_TANH_KERNEL,
  RMS_NORM_GRAD_KERNEL,
  RMS_NORM_KERNEL,
  type RmsNormAttrs,
} from '@md4/core';
import {
  adaLayerNormGradReference,
  adaLayerNormReference,
  rmsNormGradReference,
  rmsNormReference,
} from '@md4/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { sigmoidGate } from './gated-mlp';
import { gatedResidual } from './gated-residual';
import { geluTanh } from './gelu';
import { adaLayerNorm, layerNorm } from './layer-norm';
import { rmsNorm } from './rms-norm';
import { sequenceSum } from './sequence-sum';
import { maxAbsDiff, readCpu, writeCpu } from './test-helpers.test-helper';

// B = 2 sequences of P = 3 positions, d = 4.
const x = () => tf.randomNormal([6, 4], 0, 1, 'float32', 1) as tf.Tensor2D;
const perSeq = (seed: number) => tf.randomNormal([2, 4], 0, 1, 'float32', seed) as tf.Tensor2D;
const probe = () => tf.randomNormal([6, 4], 0, 1, 'float32', 9);
const bcast = (c: tf.Tensor) => tf.reshape(tf.tile(tf.reshape(c, [2, 1, 4]), [1, 3, 1]), [6, 4]);

/** Compares value and every input gradient of `fused` with autodiff of `plain`. */
function compare(
  fused: (...t: tf.Tensor[]) => tf.Tensor,
  plain: (...t: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
) {
  const p = probe();
  expect(maxAbsDiff(fused(...inputs), plain(...inputs))).toBeLessThan(1e-5);
  const gf = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(fused(...t), p)))(inputs);
  const gp = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(plain(...t), p)))(inputs);
  gf.forEach((g, i) => {
    expect(maxAbsDiff(g, gp[i]!)).toBeLessThan(1e-4);
  });
}

/**
 * On the cpu backend: `f`'s value and input gradients (at `makeInputs()`) with `kernels` registered
 * equal those of the composed ops without them (1e-5), and the fused run leaks no tensor.
 */
async function expectKernelsMatchComposed(
  kernels: tf.KernelConfig[],
  f: (...t: tf.Tensor[]) => tf.Tensor,
  makeInputs: () => tf.Tensor[],
) {
  const previous = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    const inputs = makeInputs();
    const p = probe();
    const run = () =>
      tf.tidy(() => {
        const grads = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(f(...t), p)))(inputs);
        return [f(...inputs).dataSync(), ...grads.map((g) => g.dataSync())];
      });
    const composed = run();
    for (const k of kernels) tf.registerKernel(k);
    const before = tf.memory().numTensors;
    const fused = run();
    expect(tf.memory().numTensors).toBe(before);
    fused.forEach((values, i) => {
      const ref = composed[i]!;
      expect(Math.max(...values.map((v, j) => Math.abs(v - ref[j]!)))).toBeLessThan(1e-5);
    });
    tf.dispose([...inputs, p]);
  } finally {
    for (const k of kernels)
      if (tf.getKernel(k.kernelName, 'cpu') != null) tf.unregisterKernel(k.kernelName, 'cpu');
    await tf.setBackend(previous);
  }
}

describe('fused ops with hand-written gradients equal autodiff of their definition', () => {
  for (const fast of [true, false]) {
    it(`sequenceSum (fast=${fast})`, () => {
      const v = x();
      expect(maxAbsDiff(sequenceSum(v, 2, fast), tf.sum(tf.reshape(v, [2, 3, 4]), 1))).toBeLessThan(1e-6);
      expect(() => sequenceSum(v, 4, fast)).toThrow(/do not split into 4 sequences/);
    });

    it(`adaLayerNorm = layerNorm(x) (1 + scale) + shift (fast=${fast})`, () => {
      compare(
        (a, s, c) => adaLayerNorm(a as tf.Tensor2D, s as tf.Tensor2D, c as tf.Tensor2D, 1e-5, fast),
        (a, s, c) => tf.add(tf.mul(layerNorm(a!, 1e-5), tf.add(bcast(c!), 1)), bcast(s!)),
        [x(), perSeq(2), perSeq(3)],
      );
    });

    it(`gatedResidual = x + gate f (fast=${fast})`, () => {
      compare(
        (a, g, f) => gatedResidual(a as tf.Tensor2D, g as tf.Tensor2D, f as tf.Tensor2D, fast),
        (a, g, f) => tf.add(a!, tf.mul(bcast(g!), f!)),
        [x(), perSeq(4), tf.randomNormal([6, 4], 0, 1, 'float32', 5)],
      );
    });
  }

  it('sigmoidGate = sigmoid(g) u', () => {
    compare(
      (g, u) => sigmoidGate(g as tf.Tensor2D, u as tf.Tensor2D),
      (g, u) => tf.mul(tf.sigmoid(g!), u!),
      [x(), tf.randomNormal([6, 4], 0, 1, 'float32', 6)],
    );
  });

  it('rmsNorm = x / sqrt(mean(x^2) + eps) s', () => {
    compare(
      (a, s) => rmsNorm(a as tf.Tensor2D, s as tf.Tensor1D, 1e-5),
      (a, s) => tf.mul(tf.div(a!, tf.sqrt(tf.add(tf.mean(tf.square(a!), -1, true), 1e-5))), s!),
      [x(), tf.randomNormal([4], 1, 0.3, 'float32', 7)],
    );
  });
});

describe('adaLayerNorm through a backend kernel (ADA_LAYER_NORM_KERNEL)', () => {
  it('where the backend registers it, value and gradients equal the composed op, with no leaks', async () => {
    const calls = { forward: 0, grad: 0 };
    // @md4/core's float64 references, registered as a backend would register its kernels
    const kernels: tf.KernelConfig[] = [
      {
        kernelName: ADA_LAYER_NORM_KERNEL,
        backendName: 'cpu',
        kernelFunc: ({ inputs, backend, attrs }) => {
          calls.forward++;
          const [rows, d] = inputs.x!.shape as [number, number];
          const batch = inputs.shift!.shape[0]!;
          const { eps } = attrs as unknown as AdaLayerNormAttrs;
          const ref = adaLayerNormReference(
            readCpu(backend, inputs.x!),
            readCpu(backend, inputs.shift!),
            readCpu(backend, inputs.scale!),
            { batch, d },
            eps,
          );
          return [
            writeCpu(backend, ref.y, [rows, d]),
            writeCpu(backend, ref.mean, [rows]),
            writeCpu(backend, ref.r, [rows]),
          ];
        },
      },
      {
        kernelName: ADA_LAYER_NORM_GRAD_KERNEL,
        backendName: 'cpu',
        kernelFunc: ({ inputs, backend, attrs }) => {
          calls.grad++;
          const [rows, d] = inputs.x!.shape as [number, number];
          const batch = inputs.scale!.shape[0]!;
          const { eps } = attrs as unknown as AdaLayerNormAttrs;
          // the gradients do not depend on shift; the reference recomputes n from x itself
          const g = adaLayerNormGradReference(
            readCpu(backend, inputs.x!),
            new Float64Array(batch * d),
            readCpu(backend, inputs.scale!),
            readCpu(backend, inputs.dy!),
            { batch, d },
            eps,
          );
          return [
            writeCpu(backend, g.dx, [rows, d]),
            writeCpu(backend, g.dShift, [batch, d]),
            writeCpu(backend, g.dScale, [batch, d]),
          ];
        },
      },
    ];
    const f = (...t: tf.Tensor[]) =>
      adaLayerNorm(t[0] as tf.Tensor2D, t[1] as tf.Tensor2D, t[2] as tf.Tensor2D, 1e-5, false);
    await expectKernelsMatchComposed(kernels, f, () => [x(), perSeq(2), perSeq(3)]);
    expect(calls).toEqual({ forward: 2, grad: 1 }); // the value, and once inside tf.grads
  });
});

describe('rmsNorm through a backend kernel (RMS_NORM_KERNEL)', () => {
  it('where the backend registers it, value and gradients equal the composed op, with no leaks', async () => {
    const calls = { forward: 0, grad: 0 };
    // @md4/core's float64 references, registered as a backend would register its kernels
    const kernels: tf.KernelConfig[] = [
      {
        kernelName: RMS_NORM_KERNEL,
        backendName: 'cpu',
        kernelFunc: ({ inputs, backend, attrs }) => {
          calls.forward++;
          const [rows, d] = inputs.x!.shape as [number, number];
          const { eps } = attrs as unknown as RmsNormAttrs;
          const ref = rmsNormReference(readCpu(backend, inputs.x!), readCpu(backend, inputs.scale!), eps);
          return [writeCpu(backend, ref.y, [rows, d]), writeCpu(backend, ref.r, [rows])];
        },
      },
      {
        kernelName: RMS_NORM_GRAD_KERNEL,
        backendName: 'cpu',
        kernelFunc: ({ inputs, backend, attrs }) => {
          calls.grad++;
          const [rows, d] = inputs.x!.shape as [number, number];
          const { eps } = attrs as unknown as RmsNormAttrs;
          const g = rmsNormGradReference(
            readCpu(backend, inputs.x!),
            readCpu(backend, inputs.scale!),
            readCpu(backend, inputs.dy!),
            eps,
          );
          return [writeCpu(backend, g.dx, [rows, d]), writeCpu(backend, g.dScale, [d])];
        },
      },
    ];
    const f = (...t: tf.Tensor[]) => rmsNorm(t[0] as tf.Tensor2D, t[1] as tf.Tensor1D, 1e-5);
    await expectKernelsMatchComposed(kernels, f, () => [x(), tf.randomNormal([4], 1, 0.3, 'float32', 7)]);
    expect(calls).toEqual({ forward: 2, grad: 1 }); // the value, and once inside tf.grads
  });
});

describe('geluTanh through a backend kernel (GELU_TANH_KERNEL)', () => {
  it('where the backend registers it, value and gradient equal the composed op, with no leaks', async () => {
    const calls = { forward: 0, grad: 0 };
    // the float64 formulas of @md4/core's gelu-kernel.ts, registered as a backend would register its kernels
    const { k, c } = GELU_TANH_CONSTANTS;
    const sigmoidOf = (v: number) => 1 / (1 + Math.exp(-2 * k * (v + c * v ** 3)));
    const kernels: tf.KernelConfig[] = [
      {
        kernelName: GELU_TANH_KERNEL,
        backendName: 'cpu',
        kernelFunc: ({ inputs, backend }) => {
          calls.forward++;
          const y = readCpu(backend, inputs.x!).map((v) => v * sigmoidOf(v));
          return writeCpu(backend, y, inputs.x!.shape);
        },
      },
      {
        kernelName: GELU_TANH_GRAD_KERNEL,
        backendName: 'cpu',
        kernelFunc: ({ inputs, backend }) => {
          calls.grad++;
          const dy = readCpu(backend, inputs.dy!);
          const dx = readCpu(backend, inputs.x!).map((v, i) => {
            const s = sigmoidOf(v);
            return dy[i]! * (s + v * s * (1 - s) * (6 * c * k * v * v + 2 * k));
          });
          return writeCpu(backend, dx, inputs.x!.shape);
        },
      },
    ];
    await expectKernelsMatchComposed(
      kernels,
      (t) => geluTanh(t!),
      () => [tf.mul(x(), 3)],
    );
    expect(calls).toEqual({ forward: 2, grad: 1 }); // the value, and once inside tf.grads
  });
});
