import { createRng } from '@md4/core';
import { createExactDenoiser, createUniformDenoiser, randomJoint } from '@md4/core/testing';
import { cosine, linear } from '@md4/schedules';
import { describe, expect, it } from 'vitest';
import { unmaskProbability } from './ancestral-step';
import { sample, sampleWithStats } from './sample';
import { chiSquareTest, countSequences } from './test-support/chi-square';
import { conditionalOnPrompt } from './test-support/joint';

const V = 3;
const L = 4;
const joint = randomJoint(V, L, createRng(11).uniform.bind(createRng(11)), 2);
const denoiser = createExactDenoiser(joint);
const SIGNIFICANCE = 1e-3;

describe('unmaskProbability', () => {
  it('is (alpha_s - alpha_t) / (1 - alpha_t), 1 when alpha_t = 1', () => {
    expect(unmaskProbability(0.3, 0.5)).toBeCloseTo(0.2 / 0.7, 15);
    expect(unmaskProbability(1, 1)).toBe(1);
    const schedule = linear({ eps: 0 });
    expect(unmaskProbability(schedule.alpha(1), schedule.alpha(0))).toBe(1);
  });
});

describe('ancestral sampling', () => {
  it('with float32 draws (samplingPrecision) still matches a joint whose probabilities float32 resolves', async () => {
    const options = { length: L, batch: 5000, steps: 64, schedule: linear(), rng: createRng(2) } as const;
    const float32 = await sample(denoiser, { ...options, samplingPrecision: 'float32' });
    const test = chiSquareTest(countSequences(float32, V, V ** L), joint.probabilities);
    expect(test.pValue).toBeGreaterThan(SIGNIFICANCE);
    // a Gumbel-max draw takes one uniform per value: the same seed gives other sequences
    const float64 = await sample(denoiser, { ...options, rng: createRng(2) });
    expect(float32.map((x) => x.join(''))).not.toEqual(float64.map((x) => x.join('')));
    await expect(sample(denoiser, { ...options, samplingPrecision: 'float16' as 'float32' })).rejects.toThrow(
      /samplingPrecision must be one of "float64", "float32", got "float16"/,
    );
  });

  it('matches the true joint under a chi-square test (1000 steps, 20000 samples, alpha = 0.001)', async () => {
    const { tokens, networkCalls, sequencesEvaluated } = await sampleWithStats(denoiser, {
      length: L,
      batch: 20_000,
      steps: 1000,
      schedule: linear(),
      rng: createRng(1),
    });
    const test = chiSquareTest(countSequences(tokens, V, V ** L), joint.probabilities);
    console.info('ancestral 1000 steps', test, { networkCalls, sequencesEvaluated });
    expect(test.pValue).toBeGreaterThan(SIGNIFICANCE);
    // lazy: each sequence is evaluated only in steps where it reveals something (at most L + 1 times)
    expect(sequencesEvaluated).toBeLessThanOrEqual(20_000 * (L + 1));
  });

  it('with a cosine grid (linear schedule) also matches the joint (500 steps)', async () => {
    const tokens = await sample(denoiser, {
      length: L,
      batch: 20_000,
      steps: 500,
      grid: 'cosine',
      schedule: linear(),
      rng: createRng(2),
    });
    const test = chiSquareTest(countSequences(tokens, V, V ** L), joint.probabilities);
    console.info('ancestral cosine grid 500 steps', test);
    expect(test.pValue).toBeGreaterThan(SIGNIFICANCE);
  });

  it('depends on the schedule only through alpha at the grid times: cosine grid + linear = uniform grid + cosine', async () => {
    const run = (grid: 'uniform' | 'cosine', schedule: ReturnType<typeof linear>) =>
      sample(denoiser, { length: L, batch: 50, steps: 20, grid, schedule, rng: createRng(9) });
    expect(await run('cosine', linear())).toEqual(await run('uniform', cosine()));
  });

  it('with a prompt matches the true conditional and never changes fixed tokens', async () => {
    const prompt = Int32Array.of(V, 2, V, 0); // middle and suffix fixed
    const prompts = Array.from({ length: 10_000 }, () => prompt.slice());
    const tokens = await sample(denoiser, {
      length: L,
      steps: 500,
      schedule: linear(),
      prompt: prompts,
      rng: createRng(3),
    });
    for (const x of tokens) {
      expect(x[1]).toBe(2);
      expect(x[3]).toBe(0);
    }
    const test = chiSquareTest(countSequences(tokens, V, V ** L), conditionalOnPrompt(joint, prompt));
    console.info('ancestral with prompt', test);
    expect(test.pValue).toBeGreaterThan(SIGNIFICANCE);
  });

  it('fills leftovers after the last step with argmax mu: P(token = 0) = (1 - p) + p/3 for a uniform denoiser', async () => {
    // eps = 0.3: alpha(1) = 0.3, alpha(0) = 0.7, one step: p = 0.4 / 0.7; argmax of a uniform mu is 0.
    const schedule = linear({ eps: 0.3 });
    const p = unmaskProbability(schedule.alpha(1), schedule.alpha(0));
    const tokens = await sample(createUniformDenoiser(V), {
      length: 8,
      batch: 2000,
      steps: 1,
      schedule,
      rng: createRng(4),
    });
    let zeros = 0;
    for (const x of tokens) for (const v of x) if (v === 0) zeros++;
    const n = 16_000;
    const expected = 1 - p + p / 3;
    expect(Math.abs(zeros / n - expected)).toBeLessThan(4 * Math.sqrt((expected * (1 - expected)) / n));
  });
});
