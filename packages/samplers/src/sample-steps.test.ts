import { createRng } from '@md4/core';
import { createExactDenoiser, randomJoint } from '@md4/core/testing';
import { linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { sample } from './sample';
import type { SampleMethod } from './sample-options';
import { SAMPLE_METHODS } from './sample-options';
import { sampleSteps } from './sample-steps';
import type { StepEvent } from './step-event';

const V = 3;
const L = 4;
const joint = randomJoint(V, L, createRng(101).uniform.bind(createRng(101)), 2);
const denoiser = createExactDenoiser(joint);
const options = { length: L, batch: 8, steps: 20, schedule: linear(), lazy: false };
const METHODS: readonly SampleMethod[] = SAMPLE_METHODS;

describe('sampleSteps', () => {
  it('yields the same events as onStep and returns the same tokens as sample, with counters', async () => {
    const seen: StepEvent[] = [];
    const expected = await sample(denoiser, { ...options, rng: createRng(1), onStep: (e) => seen.push(e) });
    const iterator = sampleSteps(denoiser, { ...options, rng: createRng(1) });
    const events: StepEvent[] = [];
    let result = await iterator.next();
    while (!result.done) {
      events.push(result.value);
      result = await iterator.next();
    }
    expect(events).toEqual(seen);
    expect(result.value.tokens).toEqual(expected);
    expect(result.value.steps).toBe(events.length);
    expect(result.value.networkCalls).toBe(events.at(-1)!.networkCalls);
  });

  it('checks options when called (bad input throws before iterating)', () => {
    expect(() => sampleSteps(denoiser, { ...options, steps: 0, rng: createRng(1) })).toThrow(/steps must be/);
  });

  it('leaves no tensors when the consumer stops early', async () => {
    const before = tf.memory().numTensors;
    let count = 0;
    for await (const _ of sampleSteps(denoiser, { ...options, rng: createRng(2) })) {
      if (++count === 3) break;
    }
    expect(count).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('abort', () => {
  for (const method of METHODS) {
    it(`${method}: stops between steps, rejects with an AbortError and leaks nothing`, async () => {
      const before = tf.memory().numTensors;
      const controller = new AbortController();
      let steps = 0;
      const run = sample(denoiser, {
        ...options,
        method,
        rng: createRng(3),
        signal: controller.signal,
        onStep: () => {
          if (++steps === 2) controller.abort();
        },
      });
      await expect(run).rejects.toMatchObject({ name: 'AbortError' });
      await expect(run).rejects.toBeInstanceOf(Error);
      expect(steps).toBe(2);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('an abort during a network call rejects when the call returns, with no tensors left', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const aborting = {
      ...denoiser,
      logits(xt: tf.Tensor2D, t: tf.Tensor1D) {
        controller.abort(new Error('user pressed stop'));
        return denoiser.logits(xt, t);
      },
    };
    await expect(
      sample(aborting, { ...options, rng: createRng(4), signal: controller.signal }),
    ).rejects.toThrow(/sampling was aborted: user pressed stop/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an already aborted signal rejects at once, in both forms', async () => {
    const signal = AbortSignal.abort();
    await expect(sample(denoiser, { ...options, rng: createRng(5), signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    const iterator = sampleSteps(denoiser, { ...options, rng: createRng(5), signal });
    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('aborting between iterations of sampleSteps rejects the next step', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const iterator = sampleSteps(denoiser, { ...options, rng: createRng(6), signal: controller.signal });
    await iterator.next();
    controller.abort();
    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
    expect(tf.memory().numTensors).toBe(before);
  });
});
