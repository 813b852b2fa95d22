import { createRng } from '@md4/core';
import { createExactDenoiser, randomJoint } from '@md4/core/testing';
import { genmd4ScheduleFromJSON, inverseSoftplus, linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { logitsOffset, Predictor } from './predictor';
import { sampleWithStats } from './sample';
import { chiSquareTest, countSequences } from './test-support/chi-square';

const V = 3;
const joint = randomJoint(V, 3, createRng(61).uniform.bind(createRng(61)), 2);
const denoiser = createExactDenoiser(joint);

describe('Predictor', () => {
  it('reads back only the requested positions, with per-sequence times, and counts calls', async () => {
    const seen: number[][] = [];
    const recording = {
      vocabSize: V,
      timeConditioned: true,
      logits(xt: tf.Tensor2D, t: tf.Tensor1D) {
        seen.push(Array.from(t.dataSync()));
        return tf.tidy(() =>
          tf.reshape(tf.range(0, xt.shape[0] * 3 * V, 1, 'float32'), [xt.shape[0], 3, V]),
        ) as tf.Tensor3D;
      },
    };
    const predictor = new Predictor(recording, 3, 2, false);
    const tokens = [Int32Array.of(V, 0, V), Int32Array.of(V, V, V)];
    const before = tf.memory().numTensors;
    const [a, b] = await predictor.predict(tokens, [
      { row: 0, t: 0.5, positions: [2] },
      { row: 1, t: 0.25, positions: [0, 1] },
    ]);
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual([[0.5, 0.25]]);
    // logits value = flat index (b * 3 + n) * V + v
    expect(a!.data[logitsOffset(a!, 2, V)]).toBe(2 * V);
    expect(b!.data[logitsOffset(b!, 1, V) + 2]).toBe((3 + 1) * V + 2);
    expect(() => logitsOffset(a!, 0, V)).toThrow(/no logits were read for position 0/);
    expect(predictor.networkCalls).toBe(1);
    expect(predictor.sequencesEvaluated).toBe(2);
  });

  it('serves an unchanged sequence from the cache until invalidated', async () => {
    const predictor = new Predictor(denoiser, 3, 1, true);
    const tokens = [Int32Array.of(V, 1, V)];
    await predictor.predict(tokens, [{ row: 0, t: 1, positions: [0, 2] }]);
    const again = await predictor.predict(tokens, [{ row: 0, t: 0.5, positions: [2] }]); // covered: a hit
    expect(predictor.networkCalls).toBe(1);
    expect(predictor.cacheHits).toBe(1);
    expect(logitsOffset(again[0]!, 2, V)).toBeGreaterThanOrEqual(0);
    predictor.invalidate(0);
    await predictor.predict(tokens, [{ row: 0, t: 0.5, positions: [2] }]);
    expect(predictor.networkCalls).toBe(2);
    // only what was asked is read: a position the cached row lacks is a miss
    await predictor.predict(tokens, [{ row: 0, t: 0.5, positions: [0] }]);
    expect(predictor.networkCalls).toBe(3);
  });
});

describe('caching (networks that ignore t)', () => {
  it('gives identical samples with fewer calls (eager ancestral and GenMD4)', async () => {
    const genmd4 = genmd4ScheduleFromJSON(
      { kind: 'genmd4', eps: 1e-4, rawExponents: [0.5, 1, 2].map(inverseSoftplus) },
      { trainable: false },
    );
    try {
      for (const schedule of [linear(), genmd4]) {
        const options = { length: 3, batch: 32, steps: 100, schedule, lazy: false };
        const cached = await sampleWithStats(denoiser, { ...options, rng: createRng(1) });
        const plain = await sampleWithStats(denoiser, { ...options, rng: createRng(1), cache: false });
        expect(cached.tokens).toEqual(plain.tokens);
        expect(plain.networkCalls).toBe(plain.steps);
        expect(cached.sequencesEvaluated).toBeLessThanOrEqual(32 * 4); // at most once per state: <= L + 1 per sequence
        expect(cached.cacheHits).toBeGreaterThan(0);
        console.info(`cache ${schedule.name}`, { cached: cached.networkCalls, plain: plain.networkCalls });
      }
    } finally {
      genmd4.dispose();
    }
  });

  it('is off for time-conditioned networks', async () => {
    const timed = { ...denoiser, timeConditioned: true };
    const run = await sampleWithStats(timed, {
      length: 3,
      batch: 4,
      steps: 20,
      schedule: linear(),
      lazy: false,
      rng: createRng(2),
    });
    expect(run.cacheHits).toBe(0);
    expect(run.networkCalls).toBe(run.steps);
  });

  it('the cached eager path samples the joint (V = 3, L = 3, 200 steps, 10000 samples, chi-square alpha = 0.001)', async () => {
    const { tokens, networkCalls, sequencesEvaluated } = await sampleWithStats(denoiser, {
      length: 3,
      batch: 10_000,
      steps: 200,
      schedule: linear(),
      lazy: false,
      rng: createRng(3),
    });
    const test = chiSquareTest(countSequences(tokens, V, 27), joint.probabilities);
    console.info('cached path', test, { networkCalls, sequencesEvaluated });
    expect(test.pValue).toBeGreaterThan(1e-3);
    expect(sequencesEvaluated).toBeLessThanOrEqual(10_000 * 4);
  });
});
