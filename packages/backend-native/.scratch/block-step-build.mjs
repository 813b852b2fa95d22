import * as tf from '@tensorflow/tfjs-core';

function gluHidden(d) {
  return 32 * Math.ceil(Math.floor((8 * d) / 3) / 32);
}
function forwardFlops(c) {
  const tokens = c.batch * c.seq;
  const h = gluHidden(c.dim);
  const perLayer = 2 * tokens * (c.dim * 3 * c.dim + c.dim * c.dim + c.dim * 2 * h + h * c.dim);
  const attention = 2 * 2 * c.batch * c.seq * c.seq * c.dim;
  return c.layers * (perLayer + attention) + 2 * tokens * c.dim * c.vocab;
}
function layerNorm(x) {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5)));
}
function makeTrainingStep(c, seed = 1) {
  const d = c.dim;
  const h = gluHidden(d);
  const hd = d / c.heads;
  const tokens = c.batch * c.seq;
  const init = (shape, fanIn, s) =>
    tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed + s), 1 / Math.sqrt(fanIn));
  const weights = [];
  for (let l = 0; l < c.layers; l++) {
    weights.push(init([d, 3 * d], d, 10 * l), init([d, d], d, 10 * l + 1));
    weights.push(init([d, 2 * h], d, 10 * l + 2), init([h, d], h, 10 * l + 3));
  }
  weights.push(init([d, c.vocab], d, 999));
  const x0 = tf.randomNormal([tokens, d], 0, 1, 'float32', seed + 1e3);
  const labels = tf.oneHot(tf.randomUniform([tokens], 0, c.vocab, 'int32', seed + 1001), c.vocab);
  const loss = (...w) => {
    let x = x0;
    for (let l = 0; l < c.layers; l++) {
      const [wqkv, wo, w13, w2] = w.slice(4 * l, 4 * l + 4);
      const qkv = tf.matMul(layerNorm(x), wqkv);
      const heads = tf.transpose(tf.reshape(qkv, [c.batch, c.seq, 3, c.heads, hd]), [2, 0, 3, 1, 4]);
      const [q, k, v] = tf.unstack(heads);
      const p = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)));
      const o = tf.reshape(tf.transpose(tf.matMul(p, v), [0, 2, 1, 3]), [tokens, d]);
      x = tf.add(x, tf.matMul(o, wo));
      const [g, u] = tf.split(tf.matMul(layerNorm(x), w13), 2, 1);
      x = tf.add(x, tf.matMul(tf.mul(tf.sigmoid(g), u), w2));
    }
    const logits = tf.matMul(layerNorm(x), w[w.length - 1]);
    return tf.losses.softmaxCrossEntropy(labels, logits);
  };
  const grads = tf.valueAndGrads(loss);
  return {
    step: () =>
      tf.tidy(() => {
        const { value, grads: g } = grads(weights);
        const out = value.dataSync()[0];
        tf.dispose(g);
        return out;
      }),
    dispose: () => tf.dispose([...weights, x0, labels]),
  };
}

export { forwardFlops, gluHidden, makeTrainingStep };
