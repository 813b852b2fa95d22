import { createRng } from '@md4/core';
import { createExactDenoiser, randomJoint } from '@md4/core/testing';
import { linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { YIELD_EVERY_MS } from './event-loop-yield';
import { sample } from './sample';
import { sampleSteps } from './sample-steps';

const joint = randomJoint(3, 4, createRng(7).uniform.bind(createRng(7)), 2);
const denoiser = createExactDenoiser(joint);
const long = { length: 4, batch: 4, steps: 3000, schedule: linear(), lazy: false, cache: false };

describe('sampling keeps the event loop turning', () => {
  it('timers fire during a long sample, and AbortSignal.timeout stops it (on cpu and wasm every await is a microtask)', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const before = tf.memory().numTensors;
    const started = performance.now();
    let steps = 0;
    try {
      await expect(
        sample(denoiser, {
          ...long,
          rng: createRng(1),
          signal: AbortSignal.timeout(20),
          onStep: () => steps++,
        }),
      ).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      clearInterval(timer);
    }
    // before the fix: all 3,000 steps ran (~0.6 s) with 0 timer ticks
    expect(steps).toBeLessThan(3000);
    expect(ticks).toBeGreaterThan(0);
    // the abort is seen within about one yield period after 20 ms (generous for a loaded CI machine)
    expect(performance.now() - started).toBeLessThan(20 + 20 * YIELD_EVERY_MS);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('awaits a promise that onStep returns before taking the next step (sample and sampleSteps)', async () => {
    for (const run of ['sample', 'steps'] as const) {
      const log: string[] = [];
      const onStep = async (e: { step: number }) => {
        log.push(`start ${e.step}`);
        await new Promise((resolve) => setTimeout(resolve, 2));
        log.push(`end ${e.step}`);
      };
      const options = {
        length: 4,
        batch: 2,
        steps: 4,
        schedule: linear(),
        lazy: false,
        rng: createRng(2),
        onStep,
      };
      if (run === 'sample') await sample(denoiser, options);
      else for await (const _ of sampleSteps(denoiser, options)) void _;
      expect(log, run).toEqual([
        'start 0',
        'end 0',
        'start 1',
        'end 1',
        'start 2',
        'end 2',
        'start 3',
        'end 3',
      ]);
    }
  });
});
