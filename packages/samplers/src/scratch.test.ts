import { createRng } from '@md4/core';
import { createExactDenoiser, randomJoint } from '@md4/core/testing';
import { linear } from '@md4/schedules';
import { it } from 'vitest';
import { sampleWithStats } from './sample';

const joint = randomJoint(3, 3, createRng(71).uniform.bind(createRng(71)), 2);
const denoiser = createExactDenoiser(joint);
it('scratch', async () => {
  for (let i = 0; i < 3; i++) {
    let t0 = performance.now();
    await sampleWithStats(denoiser, { length: 3, batch: 20000, steps: 1, schedule: linear({ eps: 0.3 }), method: 'mean', rng: createRng(1) });
    const a = performance.now() - t0;
    t0 = performance.now();
    const tf = await import('@tensorflow/tfjs-core');
    const x = tf.fill([20000, 3], 3, 'int32') as any;
    const l = denoiser.logits(x, tf.ones([20000]) as any);
    await l.data();
    console.log('TIME', a.toFixed(0), (performance.now() - t0).toFixed(0));
  }
}, 600000);
