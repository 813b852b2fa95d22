import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { createTransformer } from '../transformer';
import { forwardFlops } from '../parameter-count';

function loss(net: any, x0: tf.Tensor2D) {
  return tf.tidy(() => {
    const [B, L] = x0.shape; const V = net.vocabSize;
    const mask = tf.less(tf.randomUniform([B, L], 0, 1, 'float32', 7), 0.5);
    const xt = tf.where(mask, tf.fill([B, L], V, 'int32'), x0) as tf.Tensor2D;
    const logits = net.logits(xt, tf.fill([B], 0.5) as tf.Tensor1D);
    const lp = tf.logSoftmax(logits);
    const oh = tf.oneHot(tf.reshape(x0, [-1]), V, 1, 0, 'float32');
    const nll = tf.neg(tf.sum(tf.mul(tf.reshape(lp, [B * L, V]), oh), 1));
    return tf.mean(tf.mul(nll, tf.cast(tf.reshape(mask, [-1]), 'float32'))) as tf.Scalar;
  });
}
it('speed', async () => {
  for (const [name, cfg] of [['tiny', { vocabSize: 27, seqLen: 128, layers: 2, dModel: 128, heads: 4 }], ['small-cpu', { vocabSize: 27, seqLen: 256, layers: 4, dModel: 256, heads: 4 }]] as const) {
    const net = createTransformer(cfg, { seed: 1 });
    const B = 16, L = cfg.seqLen;
    const x0 = tf.randomUniform([B, L], 0, 27, 'int32') as tf.Tensor2D;
    const vars = net.variables();
    const fl = forwardFlops(cfg, B, L);
    for (let r = 0; r < 3; r++) {
      const before = tf.memory().numTensors;
      let t0 = performance.now();
      const lo = tf.tidy(() => { const l = loss(net, x0); return l; }); await lo.data(); lo.dispose();
      const tfw = performance.now() - t0;
      t0 = performance.now();
      const { value, grads } = tf.variableGrads(() => loss(net, x0), vars);
      await value.data();
      tf.dispose([value, grads as any]);
      const tb = performance.now() - t0;
      console.log(name, 'fwd', tfw.toFixed(0), 'ms', (fl / tfw / 1e6).toFixed(2), 'GF/s | train', tb.toFixed(0), 'ms', (3 * fl / tb / 1e6).toFixed(2), 'GF/s', 'leak', tf.memory().numTensors - before);
    }
    net.dispose();
  }
});
