import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { Denoiser } from '../denoiser';
import { checkDenoiserContract } from './denoiser-contract';
import { createUniformDenoiser } from './exact-denoiser';

const V = 4;

function broken(logits: Denoiser['logits'], timeConditioned = false): Denoiser {
  return { vocabSize: V, timeConditioned, logits };
}

describe('checkDenoiserContract', () => {
  it('passes a correct denoiser and leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    expect(await checkDenoiserContract(createUniformDenoiser(V), { length: 5 })).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports a wrong output shape', async () => {
    const net = broken((xt) => tf.zeros([xt.shape[0], xt.shape[1], V + 1]));
    const problems = await checkDenoiserContract(net, { length: 5 });
    expect(problems).toContain('mixed: logits shape [3,5,5] != [3, 5, 4]');
  });

  it('reports a denoiser that leaks tensors', async () => {
    const net = broken((xt) => {
      tf.ones([1]); // never disposed
      return tf.zeros([xt.shape[0], xt.shape[1], V]);
    });
    const problems = await checkDenoiserContract(net, { length: 5 });
    expect(problems).toContain('mixed: 2 tensors leaked per call');
  });

  it('reports outputs that depend on t while timeConditioned is false', async () => {
    const net = broken((xt, t) =>
      tf.tidy(() => tf.mul(tf.ones([xt.shape[0], xt.shape[1], V]), tf.reshape(t, [-1, 1, 1]))),
    );
    const problems = await checkDenoiserContract(net, { length: 5 });
    expect(problems).toContain('mixed: timeConditioned is false but logits change with t');
    expect(await checkDenoiserContract({ ...net, timeConditioned: true }, { length: 5 })).toEqual([]);
  });

  it('reports non-finite logits, a wrong dtype, disposed inputs and exceptions', async () => {
    const nan = broken((xt) => tf.fill([xt.shape[0], xt.shape[1], V], Number.NaN));
    expect(await checkDenoiserContract(nan, { length: 3 })).toContain(
      'all MASK: non-finite logit at masked position 0',
    );
    const ints = broken((xt) => tf.zeros([xt.shape[0], xt.shape[1], V], 'int32'));
    expect(await checkDenoiserContract(ints, { length: 3 })).toContain(
      'mixed: logits dtype int32 != float32',
    );
    const disposer = broken((xt, t) => {
      t.dispose();
      return tf.zeros([xt.shape[0], xt.shape[1], V]);
    });
    expect(await checkDenoiserContract(disposer, { length: 3 })).toContain(
      'mixed: the denoiser disposed its inputs',
    );
    const thrower = broken(() => {
      throw new Error('boom');
    });
    expect(await checkDenoiserContract(thrower, { length: 3 })).toContain('mixed: logits threw boom');
    expect(await checkDenoiserContract({ ...thrower, vocabSize: 0 }, { length: 3 })).toContain(
      'vocabSize must be a positive integer, got 0',
    );
  });
});
