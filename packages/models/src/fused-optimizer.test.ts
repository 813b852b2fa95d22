import {
  ADAMW_UPDATE_KERNEL,
  type AdamWUpdateAttrs,
  EMA_UPDATE_KERNEL,
  type EmaUpdateAttrs,
} from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from './adamw';
import { ExponentialMovingAverage } from './ema';

// A backend that registers the fused kernels gets them called, one per parameter, with the
// attributes of the composed formula; the results equal the composed ops'. Here the kernels are
// registered for 'cpu' by this test, in float32 JavaScript, following @md4/core's formula.
const f = Math.fround;
const calls: string[] = [];

function registerCpuKernels(): void {
  tf.registerKernel({
    kernelName: ADAMW_UPDATE_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      calls.push(ADAMW_UPDATE_KERNEL);
      const a = attrs as unknown as AdamWUpdateAttrs;
      const cpu = backend as tf.KernelBackend;
      const read = (t: tf.TensorInfo) => cpu.readSync(t.dataId) as Float32Array;
      const [p, g, m, v] = ['param', 'grad', 'm', 'v'].map((name) => read(inputs[name]!));
      const out = [new Float32Array(p!.length), new Float32Array(p!.length), new Float32Array(p!.length)];
      for (let i = 0; i < p!.length; i++) {
        const gi = a.gradScale === 1 ? g![i]! : f(g![i]! * f(a.gradScale));
        const mi = f(f(m![i]! * f(a.beta1)) + f(gi * f(1 - a.beta1)));
        const vi = f(f(v![i]! * f(a.beta2)) + f(f(gi * gi) * f(1 - a.beta2)));
        const denom = f(f(Math.sqrt(f(vi / f(a.biasCorrection2)))) + f(a.eps));
        const update = f(f(mi / f(a.biasCorrection1)) / denom);
        const decayed = a.weightDecay > 0 ? f(p![i]! * f(1 - a.lr * a.weightDecay)) : p![i]!;
        out[0]![i] = f(decayed - f(update * f(a.lr)));
        out[1]![i] = mi;
        out[2]![i] = vi;
      }
      const shape = inputs.param!.shape;
      return out.map((values) => ({
        dataId: cpu.write(values, shape, 'float32'),
        shape,
        dtype: 'float32',
      }));
    },
  });
  tf.registerKernel({
    kernelName: EMA_UPDATE_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      calls.push(EMA_UPDATE_KERNEL);
      const { decay } = attrs as unknown as EmaUpdateAttrs;
      const cpu = backend as tf.KernelBackend;
      const s = cpu.readSync(inputs.shadow!.dataId) as Float32Array;
      const p = cpu.readSync(inputs.param!.dataId) as Float32Array;
      const out = s.map((x, i) => f(f(x * f(decay)) + f(p[i]! * f(1 - decay))));
      const shape = inputs.shadow!.shape;
      return { dataId: cpu.write(out, shape, 'float32'), shape, dtype: 'float32' };
    },
  });
}

/** Three AdamW + EMA steps on the current backend; the parameters, moments and shadow after them. */
function run(): Float32Array[] {
  const params = new Map<string, tf.Variable>([
    ['w', tf.tidy(() => tf.variable(tf.tensor2d([0.5, -1, 2, 0.25, 3, -0.75], [2, 3])))],
    ['b', tf.tidy(() => tf.variable(tf.tensor1d([0.1, -0.2, 0.3])))],
  ]);
  const optimizer = new AdamW({ lr: 0.01, weightDecay: 0.1, warmupSteps: 0 });
  const ema = new ExponentialMovingAverage(params, 0.9);
  try {
    for (let step = 0; step < 3; step++) {
      const grads = new Map<string, tf.Tensor>([
        [
          'w',
          tf.tensor2d(
            [0.3, -0.1, 0.2, 0.05, -0.4, 0.6].map((x) => x * (step + 1)),
            [2, 3],
          ),
        ],
        ['b', tf.tensor1d([1, -2, 0.5])],
      ]);
      optimizer.apply(params, grads, { gradScale: step === 1 ? 0.5 : 1, decay: (name) => name === 'w' });
      ema.update(params);
      for (const g of grads.values()) g.dispose();
    }
    const state = optimizer.state();
    return [
      ...[...params.values()].map((p) => p.dataSync() as Float32Array),
      ...[...state.values()].flatMap(({ m, v }) => [
        m.dataSync() as Float32Array,
        v.dataSync() as Float32Array,
      ]),
      ...Object.values(ema.shadow).map((s) => s.dataSync() as Float32Array),
    ];
  } finally {
    optimizer.dispose();
    ema.dispose();
    for (const p of params.values()) p.dispose();
  }
}

describe('fused optimizer kernels', () => {
  let before = '';
  beforeAll(() => {
    before = tf.getBackend();
  });
  afterAll(async () => {
    tf.unregisterKernel(ADAMW_UPDATE_KERNEL, 'cpu');
    tf.unregisterKernel(EMA_UPDATE_KERNEL, 'cpu');
    await tf.setBackend(before);
  });

  it('AdamW and EMA use them where the backend has them, with results equal to the composed ops', async () => {
    await tf.setBackend('cpu');
    const tensors = tf.memory().numTensors;
    const composed = run();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(calls).toEqual([]);
    registerCpuKernels();
    const fused = run();
    expect(tf.memory().numTensors).toBe(tensors);
    // 3 steps x 2 parameters, for each kernel
    expect(calls.filter((c) => c === ADAMW_UPDATE_KERNEL)).toHaveLength(6);
    expect(calls.filter((c) => c === EMA_UPDATE_KERNEL)).toHaveLength(6);
    expect(fused).toEqual(composed);
  });
});
