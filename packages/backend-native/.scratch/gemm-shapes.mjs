import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';

const { registerNativeBackend, defaultAddonPath } = await import('../dist/index.js');
const addon = createRequire(import.meta.url)(defaultAddonPath);
const st = await registerNativeBackend();
console.log(st);
const orig = addon.gemm;
const stats = new Map();
addon.gemm = (...a) => {
  const t0 = performance.now();
  orig(...a);
  const dt = performance.now() - t0;
  const key = `b${a[3]} m${a[4]} n${a[5]} k${a[6]} tA${+a[1]} tB${+a[2]}`;
  const s = stats.get(key) ?? { n: 0, ms: 0, gf: (2 * a[3] * a[4] * a[5] * a[6]) / 1e9 };
  s.n++;
  s.ms += dt;
  stats.set(key, s);
};
const origCopy = addon.copy;
let copyMs = 0,
  copies = 0,
  copyBytes = 0;
addon.copy = (...a) => {
  const t0 = performance.now();
  origCopy(...a);
  copyMs += performance.now() - t0;
  copies++;
  const l = a[4];
  copyBytes += l.slice(0, l.length / 2).reduce((x, y) => x * y, 1) * a[3];
};
await tf.setBackend('native');
const { makeTrainingStep } = await import('./block-step-build.mjs');
const { step } = makeTrainingStep({ layers: 4, dim: 256, heads: 4, seq: 256, batch: 16, vocab: 27 });
step();
stats.clear();
copyMs = 0;
copies = 0;
copyBytes = 0;
const t0 = performance.now();
step();
const total = performance.now() - t0;
let gms = 0;
for (const [k, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) {
  gms += s.ms;
  console.log(k, s.n, s.ms.toFixed(1) + 'ms', ((s.gf * s.n) / (s.ms / 1e3)).toFixed(1) + ' GF/s');
}
console.log({
  total: total.toFixed(0),
  gemmMs: gms.toFixed(0),
  copyMs: copyMs.toFixed(0),
  copies,
  copyGB: (copyBytes / 1e9).toFixed(2),
});
