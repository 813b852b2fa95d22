import { createRng, softmax64 } from '@md4/core';
import { createExactDenoiser, createUniformDenoiser, randomJoint } from '@md4/core/testing';
import { genmd4ScheduleFromJSON, inverseSoftplus, linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { trimAtEos } from './end-of-sequence';
import { guideLogits, logitsOffset, Predictor } from './predictor';
import { sample, sampleWithStats } from './sample';
import { SAMPLE_METHODS } from './sample-options';
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

describe('Predictor: classifier-free guidance and EOS', () => {
  // A 2-token network over V = 3: position 1's logits are A when position 0 is given, B when masked.
  const A = [1.5, 0, -0.5];
  const B = [0, 0.8, 0];
  const inputs: number[][] = [];
  const contrast = {
    vocabSize: V,
    timeConditioned: false,
    logits(xt: tf.Tensor2D) {
      const x = xt.dataSync();
      inputs.push(Array.from(x));
      const rows = xt.shape[0];
      const out: number[] = [];
      for (let b = 0; b < rows; b++) out.push(0, 0, 0, ...(x[b * 2] === V ? B : A));
      return tf.tensor3d(out, [rows, 2, V]);
    },
  };

  it('guideLogits is u + (1 + w)(c - u)', () => {
    const c = Float32Array.of(9, 1, 2, 3);
    const u = Float32Array.of(0.5, -1, 0);
    guideLogits(c, u, 1, 0, 3, 2);
    expect(Array.from(c)).toEqual([9, 0.5 + 3 * 0.5, -1 + 3 * 3, 0 + 3 * 3]);
  });

  it('runs each prompted sequence again with its prompt masked, in the same call, and samples softmax(u + (1 + w)(c - u)) (chi-square)', async () => {
    inputs.length = 0;
    const w = 1.5;
    const prompt = Array.from({ length: 20_000 }, () => Int32Array.of(0, V));
    const { tokens, networkCalls, sequencesEvaluated } = await sampleWithStats(contrast, {
      length: 2,
      steps: 1,
      schedule: linear({ eps: 0 }),
      prompt,
      guidance: w,
      cache: false,
      rng: createRng(1),
    });
    expect(networkCalls).toBe(1);
    expect(sequencesEvaluated).toBe(40_000);
    expect(inputs[0]!.slice(0, 2)).toEqual([0, V]); // conditional rows first
    expect(inputs[0]!.slice(40_000, 40_002)).toEqual([V, V]); // then the prompt masked
    const guided = A.map((a, v) => B[v]! + (1 + w) * (a - B[v]!));
    const probabilities = softmax64(guided, new Float64Array(V));
    const counts = new Float64Array(V);
    for (const x of tokens) counts[x[1]!]!++;
    const test = chiSquareTest(counts, probabilities);
    expect(test.pValue).toBeGreaterThan(1e-3);
    // without guidance the law is softmax(A): the same test rejects it
    expect(chiSquareTest(counts, softmax64(A, new Float64Array(V))).pValue).toBeLessThan(1e-3);
  });

  it('does not double sequences without a prompt, and guidance without a prompt is an error', async () => {
    inputs.length = 0;
    const { sequencesEvaluated } = await sampleWithStats(contrast, {
      length: 2,
      steps: 1,
      schedule: linear({ eps: 0 }),
      prompt: [Int32Array.of(V, V), Int32Array.of(1, V)],
      guidance: 1,
      rng: createRng(2),
    });
    expect(sequencesEvaluated).toBe(3);
    await expect(
      sampleWithStats(contrast, { length: 2, steps: 1, schedule: linear(), guidance: 1, rng: createRng(2) }),
    ).rejects.toThrow(/guidance needs a prompt/);
  });

  it('EOS cannot be drawn before minLength and can after it; trimAtEos cuts after the first EOS', async () => {
    const eos = 2;
    const tokens = await sample(createUniformDenoiser(V), {
      length: 8,
      batch: 500,
      steps: 4,
      schedule: linear(),
      eos,
      minLength: 5,
      rng: createRng(3),
    });
    let lateEos = 0;
    for (const x of tokens) {
      for (let n = 0; n < 5; n++) expect(x[n]).not.toBe(eos);
      for (let n = 5; n < 8; n++) if (x[n] === eos) lateEos++;
    }
    expect(lateEos / 1500).toBeGreaterThan(0.25); // about 1/3
    expect(trimAtEos([Int32Array.of(0, 2, 1, 2), Int32Array.of(1, 1)], 2)).toEqual([
      Int32Array.of(0, 2),
      Int32Array.of(1, 1),
    ]);
  });

  it('leaves no tensors behind with guidance and EOS, for every method', async () => {
    const before = tf.memory().numTensors;
    for (const method of SAMPLE_METHODS) {
      await sample(denoiser, {
        length: 3,
        steps: 4,
        schedule: linear(),
        method,
        prompt: [Int32Array.of(0, V, V), Int32Array.of(V, V, V)],
        guidance: 0.5,
        eos: 1,
        minLength: 2,
        rng: createRng(4),
      });
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
