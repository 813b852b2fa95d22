import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

const { registerNativeBackend } = await import('../dist/index.js');
await registerNativeBackend();
const counts = new Map();
for (const name of [
  'Identity',
  'Cast',
  'Concat',
  'Transpose',
  'Sum',
  'Multiply',
  'Sub',
  'Mean',
  'Add',
  'Sigmoid',
  'RealDiv',
  'Softmax',
  'SplitV',
]) {
  const k = tf.getKernel(name, 'native');
  const f = k.kernelFunc;
  tf.unregisterKernel(name, 'native');
  tf.registerKernel({
    ...k,
    kernelFunc: (args) => {
      const t0 = performance.now();
      const r = f(args);
      const dt = performance.now() - t0;
      const key =
        name +
        ' ' +
        Object.values(args.inputs)
          .map((t) => t && JSON.stringify(t.shape))
          .join(' ') +
        ' ' +
        (args.attrs?.dtype ?? '') +
        (args.attrs?.axis != null ? ' ax' + args.attrs.axis : '') +
        (args.attrs?.perm ? ' p' + args.attrs.perm : '');
      const s = counts.get(key) ?? { n: 0, ms: 0 };
      s.n++;
      s.ms += dt;
      counts.set(key, s);
      return r;
    },
  });
}
await tf.setBackend('native');
const { makeTrainingStep } = await import('./block-step-build.mjs');
const { step } = makeTrainingStep({ layers: 4, dim: 256, heads: 4, seq: 256, batch: 16, vocab: 27 });
step();
counts.clear();
const t0 = performance.now();
step();
console.log('step', (performance.now() - t0).toFixed(0));
let tot = 0;
for (const [k, s] of [...counts].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) {
  console.log(s.ms.toFixed(1).padStart(7), String(s.n).padStart(3), k);
}
for (const s of counts.values()) tot += s.ms;
console.log('total instrumented', tot.toFixed(0));
