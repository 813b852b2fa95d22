import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { linear } from '../linear-layer';

it('dbg3', async () => {
  const x = tf.randomNormal([3, 4]) as tf.Tensor2D, w = tf.randomNormal([4, 5]) as tf.Tensor2D;
  for (const fast of [false, true]) {
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(linear(a as tf.Tensor2D, b as tf.Tensor2D, fast)))([x, w]);
    const [rx, rw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)))([x, w]);
    console.log(fast, tf.norm(gx!).dataSync()[0], tf.norm(rx!).dataSync()[0], tf.norm(gw!).dataSync()[0], tf.norm(rw!).dataSync()[0]);
    const v = tf.variable(w);
    const { grads } = tf.variableGrads(() => tf.sum(linear(x, v as unknown as tf.Tensor2D, fast)) as tf.Scalar, [v]);
    console.log('vargrad', tf.norm(grads[v.name]!).dataSync()[0]);
    const r2 = tf.variableGrads(() => tf.sum(tf.tidy(() => linear(x, v as unknown as tf.Tensor2D, fast))) as tf.Scalar, [v]);
    console.log('vargrad tidy', tf.norm(r2.grads[v.name]!).dataSync()[0]);
  }
});
