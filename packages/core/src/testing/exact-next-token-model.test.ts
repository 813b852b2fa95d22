import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng';
import { randomJoint, sequenceAt } from './exact-denoiser';
import { createExactNextTokenModel } from './exact-next-token-model';

describe('createExactNextTokenModel', () => {
  it('gives conditionals whose chain-rule product is p(x) for every sequence', async () => {
    await tf.setBackend('cpu');
    const rng = createRng(4);
    const joint = randomJoint(3, 3, () => rng.uniform());
    const model = createExactNextTokenModel(joint);
    const count = joint.probabilities.length;
    const x = tf.tensor2d(
      Array.from({ length: count }, (_, i) => Array.from(sequenceAt(i, 3, 3))),
      [count, 3],
      'int32',
    );
    const before = tf.memory().numTensors;
    const logits = model.nextTokenLogits(x);
    expect(tf.memory().numTensors).toBe(before + 1);
    const logp = tf.tidy(() => tf.logSoftmax(logits).arraySync()) as number[][][];
    logits.dispose();
    const tokens = x.arraySync();
    for (let i = 0; i < count; i++) {
      const p = joint.probabilities[i]!;
      const chain = tokens[i]!.reduce((s, v, n) => s + logp[i]![n]![v]!, 0);
      if (p > 1e-12) expect(chain).toBeCloseTo(Math.log(p), 5);
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
