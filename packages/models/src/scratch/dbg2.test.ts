import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { createTransformer } from '../transformer';

it('dbg2', async () => {
  const V = 4, L = 8;
  const model = createTransformer({ vocabSize: V, seqLen: L, layers: 1, dModel: 16, heads: 2, timeConditioned: false }, { seed: 1, kernels: (process.env.K as any) ?? 'auto' });
  const x0 = tf.tensor2d([0,1,2,3,4,1,2,3, 1,1,1,1,1,1,1,4], [2, 8], 'int32');
  const w = tf.randomNormal([2, 8, 4]);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.logits(x0, tf.tensor1d([0.5, 0.5])), w)) as tf.Scalar, model.variables());
  for (const s of model.layout) { const g = grads[model.params[s.name]!.name]; console.log(s.name, g ? tf.norm(g).dataSync()[0] : 'none'); }
});
