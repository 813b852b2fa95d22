import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { attention } from '../attention';
import { ensureWasmKernels } from '../kernels/wasm-kernels';
it('speed', () => {
  ensureWasmKernels();
  const B = 16, L = 256, H = 4, hd = 64;
  const shape = { batch: B, seqLen: L, heads: H, headDim: hd, ropeTheta: 10000 };
  const qkv = tf.randomNormal([B * L, 3 * H * hd]) as tf.Tensor2D;
  const w = tf.randomNormal([B * L, H * hd]);
  const flops = 4 * B * L * L * H * hd;
  for (const fast of [true, false]) {
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(attention(x as tf.Tensor2D, shape, fast), w)));
    for (let r = 0; r < (fast ? 4 : 1); r++) {
      let t0 = performance.now();
      const o = attention(qkv, shape, fast); o.dataSync(); o.dispose();
      const tf_ = performance.now() - t0;
      t0 = performance.now();
      const gr = g(qkv); gr.dataSync(); gr.dispose();
      const tb = performance.now() - t0;
      console.log(fast ? 'fast' : 'ref', 'fwd ms', tf_.toFixed(1), (flops / tf_ / 1e6).toFixed(2), 'GF/s; fwd+bwd ms', tb.toFixed(1), (3 * flops / tb / 1e6).toFixed(2), 'GF/s');
    }
  }
});
