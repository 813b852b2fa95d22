import { createRng, type MatMulPrecision, requestedMatMulPrecision } from '@md4/core';
import { type ElboEstimate, estimateElbo } from '@md4/elbo';
import { linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import type { KernelMode } from './denoising-network';
import { wasmKernelsActive } from './kernels/wasm-kernels';
import type { Network } from './network-config';
import { createTrainer } from './train-step';

/** Both paths where the wasm kernels exist (fast and reference), else the reference only. */
export function kernelPaths(): boolean[] {
  return wasmKernelsActive() ? [true, false] : [false];
}

/**
 * Input and output of a JavaScript kernel registered on tfjs' cpu backend (how the tests stand in
 * for a backend that implements one of @md4/core's fused kernels): a tensor's float32 values, and
 * a new float32 output written from `values` (float64 rounded).
 */
export function readCpu(backend: unknown, t: tf.TensorInfo): Float32Array {
  return (backend as tf.KernelBackend).readSync(t.dataId) as Float32Array;
}

export function writeCpu(backend: unknown, values: ArrayLike<number>, shape: number[]): tf.TensorInfo {
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  return { dataId: (backend as tf.KernelBackend).write(data, shape, 'float32'), shape, dtype: 'float32' };
}

/**
 * The matrix-product precision requested (@md4/core's `withMatMulPrecision`) at each product
 * kernel call `run` makes on the current backend: its BatchMatMul and _FusedMatMul are wrapped
 * meanwhile to record it. The wasm fast path's kernels call the BatchMatMul they found when first
 * registered, so they are registered first (unwrapped) and a network must use kernels 'reference'.
 */
export async function matMulRequests(run: () => unknown): Promise<Array<MatMulPrecision | undefined>> {
  wasmKernelsActive();
  const backend = tf.getBackend();
  const seen: Array<MatMulPrecision | undefined> = [];
  const originals = ['BatchMatMul', '_FusedMatMul'].flatMap((name) => {
    const kernel = tf.getKernel(name, backend);
    return kernel == null ? [] : [kernel];
  });
  for (const kernel of originals) {
    tf.unregisterKernel(kernel.kernelName, backend);
    tf.registerKernel({
      ...kernel,
      kernelFunc: (args) => {
        seen.push(requestedMatMulPrecision());
        return kernel.kernelFunc(args);
      },
    });
  }
  try {
    await run();
  } finally {
    for (const kernel of originals) {
      tf.unregisterKernel(kernel.kernelName, backend);
      tf.registerKernel(kernel);
    }
  }
  return seen;
}

/** Largest absolute difference of two tensors (read synchronously; tiny test shapes only). */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  if (x.length !== y.length) throw new Error(`sizes differ: ${x.length} vs ${y.length}`);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

/** Central finite difference of a scalar function of one tensor entry, in float64 around float32 values. */
export function finiteDifference(
  f: (x: tf.Tensor) => tf.Scalar,
  x: tf.Tensor,
  index: number,
  h = 1e-2,
): number {
  const values = Float32Array.from(x.dataSync());
  const at = (delta: number) => {
    const v = values.slice();
    v[index] = v[index]! + delta;
    return tf.tidy(() => f(tf.tensor(v, x.shape, 'float32')).dataSync()[0]!);
  };
  return (at(h) - at(-h)) / (2 * h);
}

/** Gives the zero-initialised parameters (output layer, adaLN) random values so every path matters. */
export function randomizeZeroInit(model: Network, seed: number): void {
  model.layout.forEach((s, i) => {
    if (s.init === 'zeros')
      model.params[s.name]!.assign(tf.randomNormal(s.shape, 0, 0.5, 'float32', seed + i));
  });
}

/** Random tokens [B, L] over V values, each MASK (= V) with probability `maskRate`. */
export function randomTokens(B: number, L: number, V: number, seed: number, maskRate = 0.5): tf.Tensor2D {
  const rng = createRng(seed);
  const data = Int32Array.from({ length: B * L }, () =>
    rng.uniform() < maskRate ? V : Math.floor(rng.uniform() * V),
  );
  return tf.tensor2d(data, [B, L], 'int32');
}

/**
 * The wasm kernel path and the reference path of one network give the same logits (<= 1e-4) and
 * parameter gradients (<= 1e-4 relative) on random weights; `build` makes the network for a path.
 */
export function expectKernelPathsAgree(build: (kernels: KernelMode) => Network, L: number): void {
  if (kernelPaths().length < 2) return;
  const fast = build('auto');
  randomizeZeroInit(fast, 6);
  const ref = build('reference');
  for (const s of fast.layout) ref.params[s.name]!.assign(fast.params[s.name]!);
  const V = fast.vocabSize;
  const xt = randomTokens(2, L, V, 3);
  const t = tf.tensor1d([0.3, 0.8]);
  const probe = tf.randomNormal([2, L, V], 0, 1, 'float32', 8);
  const loss = (m: Network) => () => tf.sum(tf.mul(m.logits(xt, t), probe)) as tf.Scalar;
  const [la, lb] = [fast.logits(xt, t), ref.logits(xt, t)];
  expect(maxAbsDiff(la, lb)).toBeLessThan(1e-4);
  const ga = tf.variableGrads(loss(fast), fast.variables());
  const gb = tf.variableGrads(loss(ref), ref.variables());
  for (const s of fast.layout) {
    const x = ga.grads[fast.params[s.name]!.name]!;
    const y = gb.grads[ref.params[s.name]!.name]!;
    const scale = Math.max(1, tf.max(tf.abs(y)).dataSync()[0]!);
    expect(maxAbsDiff(x, y) / scale, s.name).toBeLessThan(1e-4);
  }
  tf.dispose([la, lb, xt, t, probe, ga.value, gb.value, ga.grads, gb.grads]);
  fast.dispose();
  ref.dispose();
}

/**
 * Trains `model` for 300 steps on a copy task and returns its ELBO before and after: L = 8 tokens
 * over V = 4, four uniform tokens then the same four again, so the entropy is 1 bit/token and an
 * untrained model scores log2 4 = 2.
 */
export async function copyTaskElbo(model: Network): Promise<{ start: ElboEstimate; end: ElboEstimate }> {
  const [V, L] = [4, 8];
  if (model.vocabSize !== V) throw new Error(`copy task: the model must have V = ${V}`);
  const rng = createRng(5);
  const batch = () =>
    Array.from({ length: 32 }, () => {
      const a = new Int32Array(L);
      for (let i = 0; i < L / 2; i++) a[i] = a[i + L / 2] = Math.floor(rng.uniform() * V);
      return a;
    });
  const trainer = createTrainer({
    model,
    schedule: linear(),
    optimizer: { lr: 3e-3, warmupSteps: 20, weightDecay: 0 },
    emaDecay: 0.98,
    seed: 2,
  });
  const evalData = Array.from({ length: 8 }, batch);
  const elbo = () =>
    estimateElbo(trainer.evalModel(), evalData, { schedule: linear(), rng: createRng(9), samples: 2 });
  try {
    const start = await elbo();
    for (let s = 0; s < 300; s++) await trainer.step(batch());
    return { start, end: await elbo() };
  } finally {
    trainer.dispose();
  }
}
