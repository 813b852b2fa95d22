import { createRng } from '@md4/core';
import { linear } from '@md4/schedules';
import { estimateElbo } from '@md4/elbo';
import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { createTrainer } from '../train-step';
import { createTransformer } from '../transformer';

it('learns copy task', async () => {
  const V = 4, L = 8, B = 32;
  const rng = createRng(5);
  const batch = () => Array.from({ length: B }, () => { const a = new Int32Array(L); for (let i = 0; i < L / 2; i++) { a[i] = Math.floor(rng.uniform() * V); a[i + L / 2] = a[i]!; } return a; });
  const model = createTransformer({ vocabSize: V, seqLen: L, layers: 2, dModel: 32, heads: 2, timeConditioned: false }, { seed: 1 });
  const trainer = createTrainer({ model, schedule: linear(), optimizer: { lr: 3e-3, warmupSteps: 20, weightDecay: 0 }, emaDecay: 0.99, seed: 2 });
  const t0 = performance.now();
  let avg = 0;
  for (let s = 0; s < 400; s++) {
    const r = await trainer.step(batch());
    avg = s === 0 ? r.loss : 0.95 * avg + 0.05 * r.loss;
    if (s % 50 === 0) console.log(s, r.loss.toFixed(3), avg.toFixed(3), ((performance.now() - t0) / (s + 1)).toFixed(1), 'ms/step');
  }
  const evalBatches = Array.from({ length: 8 }, batch);
  const e = await estimateElbo(trainer.evalModel(), evalBatches, { schedule: linear(), rng: createRng(9), samples: 4 });
  const e2 = await estimateElbo(model, evalBatches, { schedule: linear(), rng: createRng(9), samples: 4 });
  console.log('ema elbo', e.bitsPerToken, 'raw', e2.bitsPerToken, tf.memory().numTensors);
  const { md4Loss } = await import('@md4/elbo');
  for (const net of [model, trainer.evalModel()]) {
    let sum = 0, n = 0; const r = createRng(11);
    for (let rep = 0; rep < 4; rep++) for (const b of evalBatches) { const x = tf.tensor2d(Int32Array.from(b.flatMap((a) => Array.from(a))), [B, L], 'int32'); const o = md4Loss(net, x, { schedule: linear(), rng: r }); sum += o.loss.dataSync()[0]!; n++; tf.dispose([x, o.loss, o.nelbo]); }
    console.log('md4Loss mean', sum / n);
  }
});

it('eval consistency', async () => {
  const V = 4, L = 8;
  const model = createTransformer({ vocabSize: V, seqLen: L, layers: 2, dModel: 32, heads: 2, timeConditioned: false }, { seed: 1 });
  for (const s of model.layout) model.params[s.name]!.assign(tf.randomNormal(model.params[s.name]!.shape, 0, 0.3));
  const ref = model.withParams(model.params); (ref as any).kernels = 'reference';
  for (const B of [4, 32, 128, 256]) {
    const xt = tf.randomUniform([B, L], 0, V + 1, 'int32') as tf.Tensor2D;
    const t = tf.randomUniform([B]) as tf.Tensor1D;
    const a = model.logits(xt, t), b = ref.logits(xt, t);
    console.log(B, tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
  }
});
