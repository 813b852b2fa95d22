import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

const { registerNativeBackend } = await import('../dist/index.js');
await registerNativeBackend();
for (const be of ['wasm', 'native']) {
  await tf.setBackend(be);
  const a = tf.randomNormal([16, 4, 256, 256]);
  const b = tf.randomNormal([16, 4, 256, 256]);
  const c = tf.randomNormal([256]);
  const x2 = tf.randomNormal([4096, 256]);
  const ops = {
    mul: () => tf.mul(a, b),
    mulBcast: () => tf.mul(a, c),
    scalarMul: () => tf.mul(a, 0.125),
    sigmoid: () => tf.sigmoid(a),
    exp: () => tf.exp(a),
    softmax: () => tf.softmax(a),
    sumLast: () => tf.sum(a, -1),
    sum0: () => tf.sum(x2, 0),
    meanLast: () => tf.mean(x2, -1, true),
    copy: () => tf.clone(a),
    addN: () => tf.addN([a, b]),
  };
  const res = {};
  for (const [k, f] of Object.entries(ops)) {
    f().dispose();
    let best = 1e9;
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      f().dispose();
      best = Math.min(best, performance.now() - t0);
    }
    res[k] = +best.toFixed(2);
  }
  console.log(be, JSON.stringify(res));
}
