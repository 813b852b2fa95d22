import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { linear } from '../linear-layer';
import { embed } from '../embedding';
import { rmsNorm } from '../rms-norm';

it('dbg4', async () => {
  const v = tf.tidy(() => tf.variable(tf.randomNormal([4, 5]), true));
  const x = tf.randomNormal([3, 4]) as tf.Tensor2D;
  const n = (g: any) => g ? tf.norm(g).dataSync()[0] : 'none';
  let r = tf.variableGrads(() => tf.sum(linear(x, v as any, false)) as tf.Scalar, [v]); console.log('linear', n(r.grads[v.name]));
  r = tf.variableGrads(() => tf.sum(tf.reshape(linear(x, v as any, false), [3, 5, 1])) as tf.Scalar, [v]); console.log('linear reshape', n(r.grads[v.name]));
  const tab = tf.tidy(() => tf.variable(tf.randomNormal([5, 4]), true));
  const ids = tf.tensor1d([0, 1, 4], 'int32');
  r = tf.variableGrads(() => tf.sum(embed(ids, tab as any, false)) as tf.Scalar, [tab]); console.log('embed', n(r.grads[tab.name]));
  r = tf.variableGrads(() => tf.sum(linear(embed(ids, tab as any, false), v as any, false)) as tf.Scalar, [tab, v]); console.log('embed+lin', n(r.grads[tab.name]), n(r.grads[v.name]));
  const s = tf.tidy(() => tf.variable(tf.ones([4]), true));
  r = tf.variableGrads(() => tf.sum(linear(rmsNorm(x, s as any, 1e-5), v as any, false)) as tf.Scalar, [s, v]); console.log('rms+lin', n(r.grads[s.name]), n(r.grads[v.name]));
  r = tf.variableGrads(() => tf.sum(tf.mul(tf.reshape(linear(x, v as any, false), [3, 5]), tf.randomNormal([3, 5]))) as tf.Scalar, [v]); console.log('lin*w', n(r.grads[v.name]));
  const z = tf.tidy(() => tf.variable(tf.zeros([4, 5]), true));
  r = tf.variableGrads(() => tf.sum(tf.mul(linear(x, z as any, false), tf.randomNormal([3, 5]))) as tf.Scalar, [z]); console.log('zero-var lin*w', n(r.grads[z.name]));
});
