import { createRng } from '@md4/core';
import { createExactDenoiser, randomJoint } from '@md4/core/testing';
import { genmd4Schedule, inverseSoftplus } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { sampleWithStats } from './sample';
import { chiSquareTest, countSequences } from './test-support/chi-square';
import { createGenmd4ExactDenoiser } from './test-support/genmd4-exact-denoiser';
import { genmd4ScheduleFromJSON } from '@md4/schedules';

const V = 3;
const L = 4;
const joint = randomJoint(V, L, createRng(41).uniform.bind(createRng(41)), 2);

it('scratch', async () => {
  const w = [0.5, 1, 2.5];
  const schedule = genmd4ScheduleFromJSON({ kind: 'genmd4', eps: 1e-4, rawExponents: w.map(inverseSoftplus) }, { trainable: false });
  console.log('W', schedule.exponentValues());
  const exact = createGenmd4ExactDenoiser(joint, schedule.exponentValues());
  for (const [steps, seed] of [[500, 1], [500, 2], [1000, 3], [200, 4]]) {
    const t0 = performance.now();
    const r = await sampleWithStats(exact, { length: L, batch: 20000, steps, schedule, rng: createRng(seed) });
    const test = chiSquareTest(countSequences(r.tokens, V, V ** L), joint.probabilities);
    console.log('G', steps, seed, test.statistic.toFixed(1), test.df, test.pValue.toExponential(2), r.networkCalls, r.sequencesEvaluated, (performance.now() - t0).toFixed(0));
  }
  return;
  const r = await sampleWithStats(md4, { length: L, batch: 10000, steps: 200, schedule, rng: createRng(5) });
  const test = chiSquareTest(countSequences(r.tokens, V, V ** L), joint.probabilities);
  console.log('M', test.statistic.toFixed(1), test.df, test.pValue.toExponential(2), r.networkCalls, r.sequencesEvaluated, r.cacheHits);
  schedule.dispose();
}, 600000);
