import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { countLeakedTensors, disposeAll, liveTensors } from './memory';

describe('memory helpers', () => {
  it('liveTensors follows tf.memory().numTensors', () => {
    const before = liveTensors();
    const a = tf.zeros([2]);
    expect(liveTensors()).toBe(before + 1);
    a.dispose();
    expect(liveTensors()).toBe(before);
  });

  it('disposeAll frees tensors, arrays and maps of tensors and skips nulls', () => {
    const before = liveTensors();
    const a = tf.zeros([2]);
    const list = [tf.ones([1]), tf.ones([3])];
    const named = { x: tf.scalar(1), y: [tf.scalar(2)] };
    disposeAll(a, null, list, undefined, named);
    expect(liveTensors()).toBe(before);
    expect(a.isDisposed && list[0]!.isDisposed && named.x.isDisposed).toBe(true);
  });

  it('countLeakedTensors counts tensors left behind but not those in the result', async () => {
    const clean = await countLeakedTensors(() => tf.tidy(() => tf.add(tf.ones([2]), 1)));
    expect(clean.leaked).toBe(0);
    const nested = await countLeakedTensors(async () => ({ a: tf.zeros([1]), b: [tf.ones([1])] }));
    expect(nested.leaked).toBe(0);
    let stray: tf.Tensor | undefined;
    const leaky = await countLeakedTensors(async () => {
      stray = tf.zeros([4]);
      await Promise.resolve();
      return 3;
    });
    expect(leaky).toEqual({ result: 3, leaked: 1 });
    disposeAll(clean.result, nested.result, stray);
  });
});
