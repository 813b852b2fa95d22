import { createRng } from '@md4/core';
import { linear } from '@md4/schedules';
import { md4Loss } from '@md4/elbo';
import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { createTrainer } from '../train-step';
import { createTransformer } from '../transformer';

it('dbg', async () => {
  const V = 4, L = 8, B = 4;
  const model = createTransformer({ vocabSize: V, seqLen: L, layers: 1, dModel: 16, heads: 2, timeConditioned: false }, { seed: 1 });
  const x0 = tf.tensor2d([0,1,2,3,0,1,2,3, 1,1,1,1,1,1,1,1, 2,3,2,3,2,3,2,3, 0,0,1,1,0,0,1,1], [4, 8], 'int32');
  const vars = model.variables();
  const { value, grads } = tf.variableGrads(() => md4Loss(model, x0, { schedule: linear(), rng: createRng(1) }).loss, vars);
  console.log('loss', value.dataSync()[0]);
  for (const s of model.layout) { const g = grads[model.params[s.name]!.name]; console.log(s.name, g ? tf.norm(g).dataSync()[0] : 'none'); }
  const trainer = createTrainer({ model, schedule: linear(), optimizer: { lr: 1e-2 }, seed: 2 });
  const r = await trainer.step(x0);
  console.log(r, tf.norm(model.params['out.kernel']!).dataSync()[0]);
});
