import { createRng } from '@md4/core';
import { createExactDenoiser, exactConditionals, randomJoint } from '@md4/core/testing';
import { cosine, linear } from '@md4/schedules';
import { describe, expect, it } from 'vitest';
import { maskedTarget } from './confidence-step';
import { sample, sampleWithStats } from './sample';
import type { StepEvent } from './step-event';

const V = 3;
const L = 4;
const joint = randomJoint(V, L, createRng(91).uniform.bind(createRng(91)), 2);
const denoiser = createExactDenoiser(joint);

describe('maskedTarget', () => {
  it('is round(M (1 - alpha_s) / (1 - alpha_1)), 0 at the last step', () => {
    const alpha = linear({ eps: 0 }).alpha;
    expect(maskedTarget(10, alpha(0.25), alpha(1), false)).toBe(3); // 2.5 rounds to 3
    expect(maskedTarget(10, alpha(0.5), alpha(1), false)).toBe(5);
    expect(maskedTarget(10, alpha(0.01), alpha(1), true)).toBe(0);
  });
});

describe('confidence sampler', () => {
  it('reveals per step exactly the masked count minus the schedule target (cosine schedule, 6 steps, L = 12)', async () => {
    const wide = createExactDenoiser(randomJoint(2, 12, createRng(1).uniform.bind(createRng(1)), 1));
    const schedule = cosine();
    const events: StepEvent[] = [];
    await sample(wide, {
      length: 12,
      batch: 3,
      steps: 6,
      schedule,
      method: 'confidence',
      rng: createRng(2),
      onStep: (e) => events.push(e),
    });
    let masked = 12;
    for (const event of events) {
      const target = maskedTarget(12, schedule.alpha(event.s), schedule.alpha(1), event.s === 0);
      for (const changed of event.changed) expect(changed).toHaveLength(masked - target);
      masked = target;
    }
    expect(masked).toBe(0);
  });

  it('without noise and at temperature 0 reveals the most confident position first, the same for every seed', async () => {
    const options = {
      length: L,
      batch: 1,
      steps: L,
      schedule: linear({ eps: 0 }),
      method: 'confidence' as const,
      temperature: 0,
    };
    const runs: StepEvent[][] = [];
    for (const seed of [1, 2, 3]) {
      const events: StepEvent[] = [];
      await sample(denoiser, { ...options, rng: createRng(seed), onStep: (e) => events.push(e) });
      runs.push(events);
    }
    expect(runs[1]!.map((e) => e.tokens)).toEqual(runs[0]!.map((e) => e.tokens));
    expect(runs[2]!.map((e) => e.tokens)).toEqual(runs[0]!.map((e) => e.tokens));
    // reference: MaskGIT greedy on the exact conditionals, one token per step (targets 3, 2, 1, 0)
    let x = new Int32Array(L).fill(V);
    for (const event of runs[0]!) {
      const probs = exactConditionals(joint, x);
      let best = -1;
      let bestP = -1;
      let bestV = 0;
      for (let n = 0; n < L; n++) {
        if (x[n] !== V) continue;
        for (let v = 0; v < V; v++) {
          if (probs[n * V + v]! > bestP) {
            bestP = probs[n * V + v]!;
            best = n;
            bestV = v;
          }
        }
      }
      x = x.slice();
      x[best] = bestV;
      expect(event.tokens[0]).toEqual(x);
    }
  });

  it('confidenceNoise randomises the order: different seeds give different greedy samples', async () => {
    const options = {
      length: L,
      batch: 32,
      steps: L,
      schedule: linear(),
      method: 'confidence' as const,
      temperature: 0,
    };
    const a = await sample(denoiser, { ...options, confidenceNoise: 5, rng: createRng(1) });
    const b = await sample(denoiser, { ...options, confidenceNoise: 5, rng: createRng(2) });
    const quiet = await sample(denoiser, { ...options, rng: createRng(1) });
    expect(a).not.toEqual(b);
    expect(quiet.every((x) => x.every((v, n) => v === quiet[0]![n]))).toBe(true); // no noise: one greedy answer
  });

  it('skips the network in steps whose quota is zero (steps >> L)', async () => {
    const { networkCalls, steps } = await sampleWithStats(
      { ...denoiser, timeConditioned: true },
      { length: L, batch: 1, steps: 200, schedule: linear(), method: 'confidence', rng: createRng(4) },
    );
    expect(networkCalls).toBeLessThanOrEqual(L);
    expect(steps).toBeLessThanOrEqual(200);
  });
});
