import '@tensorflow/tfjs';
import { registerNativeBackend } from '@md4/backend-native';
import { createTransformer } from '@md4/models';
import * as tf from '@tensorflow/tfjs-core';

await registerNativeBackend();
await tf.setBackend('native');
const name = process.argv[2] ?? 'tiny';
const model = createTransformer(name, { seed: 1 });
const L = model.config.seqLen;
const xt = tf.fill([4, L], 27, 'int32');
const t = tf.fill([4], 0.5);
for (let i = 0; i < 3; i++) tf.tidy(() => model.forward(xt, t).dataSync());
const n = 20;
const t0 = performance.now();
for (let i = 0; i < n; i++)
  tf.tidy(() => {
    model.forward(xt, t).dataSync();
  });
const ms = (performance.now() - t0) / n;
const prof = await tf.profile(() =>
  tf.tidy(() => {
    model.forward(xt, t).dataSync();
  }),
);
const by = new Map();
for (const k of prof.kernels) {
  const e = by.get(k.name) ?? { calls: 0, ms: 0 };
  e.calls++;
  e.ms += k.kernelTimeMs;
  by.set(k.name, e);
}
console.log(
  name,
  'forward ms',
  ms.toFixed(2),
  'kernels',
  prof.kernels.length,
  'kernel ms',
  prof.kernels.reduce((s, k) => s + k.kernelTimeMs, 0).toFixed(2),
);
console.log(
  [...by]
    .sort((a, b) => b[1].calls - a[1].calls)
    .map(([k, v]) => `${k}:${v.calls}/${v.ms.toFixed(1)}`)
    .join(' '),
);
