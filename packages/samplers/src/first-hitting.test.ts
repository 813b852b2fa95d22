import { createRng } from '@md4/core';
import { createExactDenoiser, randomJoint } from '@md4/core/testing';
import { cosine, geometric, linear } from '@md4/schedules';
import type * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { sampleWithStats } from './sample';
import { sampleSteps } from './sample-steps';
import type { StepEvent } from './step-event';
import { chiSquareTest, countSequences } from './test-support/chi-square';
import { conditionalOnPrompt } from './test-support/joint';

const V = 3;
const L = 4;
const joint = randomJoint(V, L, createRng(21).uniform.bind(createRng(21)), 2);
const denoiser = createExactDenoiser(joint);
const SIGNIFICANCE = 1e-3;

describe('first-hitting sampler', () => {
  it('samples the joint exactly (chi-square, 20000 samples, alpha = 0.001) in exactly L batched calls', async () => {
    const { tokens, networkCalls, steps } = await sampleWithStats(denoiser, {
      length: L,
      batch: 20_000,
      method: 'first-hitting',
      schedule: linear(),
      rng: createRng(100),
    });
    const test = chiSquareTest(countSequences(tokens, V, V ** L), joint.probabilities);
    console.info('first-hitting', test, { networkCalls });
    expect(test.pValue).toBeGreaterThan(SIGNIFICANCE);
    expect(networkCalls).toBe(L);
    expect(steps).toBe(L);
  });

  it('with a network that ignores t, draws the same tokens under any schedule (only the times differ)', async () => {
    const run = async (schedule: ReturnType<typeof linear>) => {
      const events: StepEvent[] = [];
      for await (const event of sampleSteps(denoiser, {
        length: L,
        batch: 20,
        method: 'first-hitting',
        schedule,
        rng: createRng(7),
      })) {
        events.push(event);
      }
      return events;
    };
    const [a, b, c] = await Promise.all([run(linear()), run(cosine()), run(geometric())]);
    expect(b!.at(-1)!.tokens).toEqual(a!.at(-1)!.tokens);
    expect(c!.at(-1)!.tokens).toEqual(a!.at(-1)!.tokens);
    expect(b![0]!.times).not.toEqual(a![0]!.times);
  });

  it('with a prompt matches the true conditional, one call per free position', async () => {
    const prompt = Int32Array.of(1, V, V, V); // prefix prompt
    const { tokens, networkCalls } = await sampleWithStats(denoiser, {
      length: L,
      method: 'first-hitting',
      schedule: linear(),
      prompt: Array.from({ length: 10_000 }, () => prompt.slice()),
      rng: createRng(32),
    });
    expect(networkCalls).toBe(3);
    for (const x of tokens) expect(x[0]).toBe(1);
    const test = chiSquareTest(countSequences(tokens, V, V ** L), conditionalOnPrompt(joint, prompt));
    console.info('first-hitting with prompt', test);
    expect(test.pValue).toBeGreaterThan(SIGNIFICANCE);
  });

  it('calls the network at each sequence hitting time, times decrease, one reveal per sequence per step', async () => {
    const seen: number[][] = [];
    const recording = {
      ...denoiser,
      logits(xt: tf.Tensor2D, t: tf.Tensor1D) {
        seen.push(Array.from(t.dataSync()));
        return denoiser.logits(xt, t);
      },
    };
    const events: StepEvent[] = [];
    for await (const event of sampleSteps(recording, {
      length: L,
      batch: 3,
      method: 'first-hitting',
      schedule: cosine(),
      rng: createRng(33),
      steps: 7, // ignored
    })) {
      events.push(event);
    }
    expect(events).toHaveLength(L);
    let previous: Float64Array = Float64Array.of(1, 1, 1);
    events.forEach((event, i) => {
      const times = event.times!;
      for (let b = 0; b < 3; b++) {
        expect(times[b]).toBeLessThanOrEqual(previous[b]!);
        expect(event.changed[b]).toHaveLength(1);
        expect(Math.fround(times[b]!)).toBe(seen[i]![b]);
      }
      expect(event.s).toBe(Math.max(...times));
      previous = times;
    });
    expect(events.at(-1)!.done).toBe(true);
  });
});
