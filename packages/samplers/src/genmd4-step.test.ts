import { createRng } from '@md4/core';
import { createExactDenoiser, randomJoint } from '@md4/core/testing';
import { genmd4ScheduleFromJSON, inverseSoftplus, polynomial, timeGrid } from '@md4/schedules';
import { afterAll, describe, expect, it } from 'vitest';
import { stayProbabilities } from './genmd4-step';
import { sample, sampleWithStats } from './sample';
import { chiSquareTest, countSequences } from './test-support/chi-square';
import { createGenmd4ExactDenoiser } from './test-support/genmd4-exact-denoiser';

const SIGNIFICANCE = 1e-3;

function scheduleWith(exponents: number[], eps = 1e-4) {
  return genmd4ScheduleFromJSON(
    { kind: 'genmd4', eps, rawExponents: exponents.map(inverseSoftplus) },
    { trainable: false },
  );
}

const schedule = scheduleWith([0.5, 1, 2.5]);
const w = schedule.exponentValues();
afterAll(() => schedule.dispose());

describe('stayProbabilities', () => {
  it('is r_v = (s/t)^{w_v}, and 0 at s = 0', () => {
    const r = stayProbabilities(w, 0.8, 0.2, new Float64Array(3));
    for (let v = 0; v < 3; v++) expect(r[v]).toBeCloseTo(0.25 ** w[v]!, 14);
    expect(Array.from(stayProbabilities(w, 0.5, 0, new Float64Array(3)))).toEqual([0, 0, 0]);
  });

  it('equals (1 - alpha_{s,v}) / (1 - alpha_{t,v}) of the GenMD4 schedule', () => {
    const r = stayProbabilities(w, 0.7, 0.3, new Float64Array(3));
    for (let v = 0; v < 3; v++) {
      expect(r[v]).toBeCloseTo((1 - schedule.alpha(0.3, v)) / (1 - schedule.alpha(0.7, v)), 12);
    }
  });
});

describe('GenMD4 reverse step', () => {
  it('samples the joint with the exact GenMD4 posterior denoiser (V = 3, L = 3, 250 steps, chi-square, alpha = 0.001)', async () => {
    const joint = randomJoint(3, 3, createRng(41).uniform.bind(createRng(41)), 2);
    const { tokens, networkCalls } = await sampleWithStats(createGenmd4ExactDenoiser(joint, w), {
      length: 3,
      batch: 8000,
      steps: 250,
      schedule,
      rng: createRng(1),
    });
    const test = chiSquareTest(countSequences(tokens, 3, 27), joint.probabilities);
    console.info('GenMD4 with its exact denoiser', test);
    expect(test.pValue).toBeGreaterThan(SIGNIFICANCE);
    expect(networkCalls).toBe(250); // time-conditioned: every step needs the network
  });

  it('with a t-independent mu = p (L = 1) has the law sum_k S_k (1 - r_v^k) p_v, not p, when the w_v differ', async () => {
    const joint = randomJoint(3, 1, createRng(42).uniform.bind(createRng(42)), 1);
    const p = joint.probabilities;
    const steps = 8;
    const grid = timeGrid(steps, 'uniform');
    const law = new Float64Array(3);
    let survive = 1;
    const r = new Float64Array(3);
    for (let k = 0; k < steps; k++) {
      stayProbabilities(w, grid[k]!, grid[k + 1]!, r);
      let stay = 0;
      for (let v = 0; v < 3; v++) {
        law[v]! += survive * (1 - r[v]!) * p[v]!;
        stay += r[v]! * p[v]!;
      }
      survive *= stay;
    }
    const { tokens, networkCalls, cacheHits } = await sampleWithStats(createExactDenoiser(joint), {
      length: 1,
      batch: 20_000,
      steps,
      schedule,
      rng: createRng(2),
    });
    const counts = countSequences(tokens, 3, 3);
    expect(chiSquareTest(counts, law).pValue).toBeGreaterThan(SIGNIFICANCE);
    expect(chiSquareTest(counts, p).pValue).toBeLessThan(1e-6); // the MD4 denoiser is not GenMD4's optimum
    // the network ignores t, so unchanged sequences reuse their prediction: one evaluation per sequence
    expect(networkCalls).toBe(1);
    expect(cacheHits).toBeGreaterThan(20_000);
  });

  it('with all w_v = c draws the same law as MD4 with the polynomial schedule c (exact denoiser, chi-square)', async () => {
    const equal = scheduleWith([2, 2, 2], 0);
    try {
      const joint = randomJoint(3, 3, createRng(43).uniform.bind(createRng(43)), 2);
      const denoiser = createExactDenoiser(joint);
      const options = { length: 3, batch: 10_000, steps: 400 };
      const genmd4 = await sample(denoiser, { ...options, schedule: equal, rng: createRng(3) });
      const md4 = await sample(denoiser, {
        ...options,
        schedule: polynomial(2, { eps: 0 }),
        rng: createRng(4),
      });
      const a = chiSquareTest(countSequences(genmd4, 3, 27), joint.probabilities);
      const b = chiSquareTest(countSequences(md4, 3, 27), joint.probabilities);
      console.info('GenMD4 w = 2 vs joint', a, 'MD4 poly2 vs joint', b);
      expect(a.pValue).toBeGreaterThan(SIGNIFICANCE);
      expect(b.pValue).toBeGreaterThan(SIGNIFICANCE);
    } finally {
      equal.dispose();
    }
  });

  it('accepts only method "ancestral" and a schedule of the denoiser vocabulary', async () => {
    const denoiser = createExactDenoiser(randomJoint(3, 2, createRng(44).uniform.bind(createRng(44))));
    await expect(
      sample(denoiser, { length: 2, steps: 4, schedule, method: 'confidence', rng: createRng(1) }),
    ).rejects.toThrow(/GenMD4 schedule samples with its own reverse step/);
    const wrong = scheduleWith([1, 1]);
    await expect(
      sample(denoiser, { length: 2, steps: 4, schedule: wrong, rng: createRng(1) }),
    ).rejects.toThrow(/2 exponents but the denoiser has vocabSize 3/);
    wrong.dispose();
  });
});
