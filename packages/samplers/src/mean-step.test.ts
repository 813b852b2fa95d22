import { createRng } from '@md4/core';
import { createExactDenoiser, randomJoint } from '@md4/core/testing';
import { linear } from '@md4/schedules';
import { describe, expect, it } from 'vitest';
import { sample } from './sample';
import { chiSquareTest, countSequences } from './test-support/chi-square';
import { productOfMarginals } from './test-support/joint';

const V = 3;
const L = 3;
const joint = randomJoint(V, L, createRng(71).uniform.bind(createRng(71)), 2);
const denoiser = createExactDenoiser(joint);

describe('mean sampler', () => {
  it('with one step draws every token from its marginal, leftovers included (product of marginals, chi-square)', async () => {
    // eps = 0.3 leaves each token masked after the step with probability 0.3/0.7: mean draws it from mu
    const schedule = linear({ eps: 0.3 });
    const options = { length: L, batch: 20_000, steps: 1, schedule };
    const mean = await sample(denoiser, { ...options, method: 'mean', rng: createRng(1) });
    const ancestral = await sample(denoiser, { ...options, rng: createRng(1) });
    const product = productOfMarginals(joint);
    const meanTest = chiSquareTest(countSequences(mean, V, V ** L), product);
    console.info('mean, one step, vs product of marginals', meanTest);
    expect(meanTest.pValue).toBeGreaterThan(1e-3);
    // ancestral fills those leftovers with argmax mu instead: far from the product law
    expect(chiSquareTest(countSequences(ancestral, V, V ** L), product).pValue).toBeLessThan(1e-6);
  });

  it('with many steps samples the joint (500 steps, chi-square alpha = 0.001)', async () => {
    const tokens = await sample(denoiser, {
      length: L,
      batch: 20_000,
      steps: 500,
      schedule: linear(),
      method: 'mean',
      rng: createRng(2),
    });
    const test = chiSquareTest(countSequences(tokens, V, V ** L), joint.probabilities);
    console.info('mean, 500 steps', test);
    expect(test.pValue).toBeGreaterThan(1e-3);
  });

  it('differs from ancestral only at the last step: with eps = 0 the two give identical samples', async () => {
    const options = { length: L, batch: 50, steps: 10, schedule: linear({ eps: 0 }) };
    const mean = await sample(denoiser, { ...options, method: 'mean', rng: createRng(3) });
    const ancestral = await sample(denoiser, { ...options, rng: createRng(3) });
    expect(mean).toEqual(ancestral);
  });
});
