import { createRng, softmax64 } from '@md4/core';
import { createExactDenoiser, randomJoint } from '@md4/core/testing';
import { cosine, linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { timeOfMaskedFraction } from './confidence-step';
import { sample, sampleWithStats } from './sample';
import type { StepEvent } from './step-event';
import { chiSquareTest, countSequences } from './test-support/chi-square';
import type { TransferRank } from './transfer-policy';
import { evenTransferCount, PositionScorer, TRANSFER_COUNTS, TRANSFER_RANKS } from './transfer-policy';

const V = 3;
const L = 4;
const joint = randomJoint(V, L, createRng(61).uniform.bind(createRng(61)), 2);
const denoiser = createExactDenoiser(joint);
const wide = createExactDenoiser(randomJoint(2, 12, createRng(62).uniform.bind(createRng(62)), 1));

describe('transfer counts', () => {
  it('evenTransferCount splits M over T steps, the remainder first (LLaDA), summing to M', () => {
    expect(Array.from({ length: 4 }, (_, i) => evenTransferCount(10, 4, i))).toEqual([3, 3, 2, 2]);
    expect(Array.from({ length: 5 }, (_, i) => evenTransferCount(3, 5, i))).toEqual([1, 1, 1, 0, 0]);
    for (const [M, T] of [
      [37, 8],
      [5, 5],
      [1, 9],
    ] as const) {
      let total = 0;
      for (let i = 0; i < T; i++) total += evenTransferCount(M, T, i);
      expect(total).toBe(M);
    }
  });

  it('timeOfMaskedFraction inverts the expected masked fraction (1 - alpha(tau)) / (1 - alpha(1))', () => {
    const schedule = cosine();
    for (const [m, M] of [
      [12, 12],
      [6, 12],
      [1, 12],
    ] as const) {
      const tau = timeOfMaskedFraction(schedule.alpha, m, M);
      expect((1 - schedule.alpha(tau)) / (1 - schedule.alpha(1))).toBeCloseTo(m / M, 12);
    }
  });

  it('even: every sequence commits floor(M/T) (+1 in the first M mod T steps), at its masked-fraction time', async () => {
    const times: number[][] = [];
    const recording = {
      ...wide,
      timeConditioned: true,
      logits(xt: tf.Tensor2D, t: tf.Tensor1D) {
        times.push(Array.from(t.dataSync()));
        return wide.logits(xt, t);
      },
    };
    const events: StepEvent[] = [];
    await sample(recording, {
      length: 12,
      batch: 3,
      steps: 5,
      schedule: cosine(),
      method: 'confidence',
      transfer: 'even',
      rng: createRng(1),
      onStep: (e) => events.push(e),
    });
    expect(events.map((e) => e.changed.map((c) => c.length))).toEqual([
      [3, 3, 3],
      [3, 3, 3],
      [2, 2, 2],
      [2, 2, 2],
      [2, 2, 2],
    ]);
    const expectedTimes = [12, 9, 6, 4, 2].map((m) =>
      Math.fround(timeOfMaskedFraction(cosine().alpha, m, 12)),
    );
    expect(times.map((step) => step[0])).toEqual(expectedTimes);
  });

  it('threshold: commits every candidate above it, at least one per step, and finishes within T steps', async () => {
    for (const threshold of [0.5, 0.9, 0.999]) {
      const events: StepEvent[] = [];
      const { steps } = await sampleWithStats(wide, {
        length: 12,
        batch: 8,
        steps: 12,
        schedule: linear(),
        method: 'confidence',
        transfer: 'threshold',
        threshold,
        temperature: 0,
        rng: createRng(2),
        onStep: (e) => events.push(e),
      });
      expect(steps).toBeLessThanOrEqual(12);
      let before = events.map(() => 0);
      for (const event of events) {
        event.changed.forEach((positions, b) => {
          const wasDone = (before[b] ?? 0) === 12;
          if (!wasDone) expect(positions.length).toBeGreaterThanOrEqual(1);
        });
        before = event.tokens.map((x) => x.filter((v) => v !== 2).length);
      }
      expect(events.at(-1)!.tokens.every((x) => x.every((v) => v < 2))).toBe(true);
      if (threshold === 0.5) expect(steps).toBeLessThan(12); // several commits per step
    }
  });

  it('threshold: the committed candidates are those above it (a denoiser with known confidences)', async () => {
    // position n's values have probabilities q[n], 1 - q[n]; at temperature 0 the candidate is the likelier
    const q = [0.95, 0.6, 0.92, 0.25];
    const fixedDenoiser = {
      vocabSize: 2,
      timeConditioned: false,
      logits: (xt: tf.Tensor2D) =>
        tf.tidy(() => {
          const row = q.flatMap((p) => [Math.log(p), Math.log(1 - p)]);
          return tf.tensor3d(Array(xt.shape[0]).fill(row).flat(), [xt.shape[0], 4, 2]);
        }),
    };
    const events: StepEvent[] = [];
    await sample(fixedDenoiser, {
      length: 4,
      steps: 4,
      schedule: linear(),
      method: 'confidence',
      transfer: 'threshold',
      threshold: 0.9,
      temperature: 0,
      rng: createRng(3),
      onStep: (e) => events.push(e),
    });
    expect(Array.from(events[0]!.changed[0]!)).toEqual([0, 2]); // above 0.9
    expect(Array.from(events[1]!.changed[0]!)).toEqual([3]); // none above: the most probable (0.75)
    expect(Array.from(events[2]!.changed[0]!)).toEqual([1]);
    expect(events[2]!.tokens[0]).toEqual(Int32Array.of(0, 0, 0, 1));
  });
});

describe('transfer ranks', () => {
  const logits = Float32Array.of(2, 0.5, -1, 1.5, 0, 0, 0, 0);
  const probs = (offset: number) => softmax64(logits, new Float64Array(4), offset, 4, 1);

  it('margin is p1 - p2 and entropy is sum p log p, at temperature 1', () => {
    const p = Array.from(probs(0)).sort((a, b) => b - a);
    expect(new PositionScorer(4, 'margin').score(logits, 0, 0, Math.random)).toBeCloseTo(p[0]! - p[1]!, 12);
    const uniform = new PositionScorer(4, 'entropy').score(logits, 4, 0, Math.random);
    expect(uniform).toBeCloseTo(-Math.log(4), 12);
    const negativeEntropy = Array.from(probs(0)).reduce((sum, x) => sum + x * Math.log(x), 0);
    expect(new PositionScorer(4, 'entropy').score(logits, 0, 0, Math.random)).toBeCloseTo(
      negativeEntropy,
      12,
    );
    expect(new PositionScorer(4, 'probability').score(logits, 0, -0.25, Math.random)).toBe(-0.25);
    expect(new PositionScorer(4, 'random').score(logits, 0, 0, () => 0.375)).toBe(0.375);
  });

  /** Chi-square of 20,000 confidence samples, one token per step (even, T = L), against the joint. */
  const onePerStepAgainstJoint = async (rank: TransferRank) => {
    const { tokens } = await sampleWithStats(denoiser, {
      length: L,
      batch: 20_000,
      steps: L,
      schedule: linear(),
      method: 'confidence',
      transfer: 'even',
      rank,
      rng: createRng(4),
    });
    return chiSquareTest(countSequences(tokens, V, V ** L), joint.probabilities);
  };

  it('random rank, one token per step (even, T = L): any-order decoding with exact conditionals samples the joint (chi-square)', async () => {
    const test = await onePerStepAgainstJoint('random');
    console.info('confidence, random rank, one per step', test);
    expect(test.pValue).toBeGreaterThan(1e-3);
  });

  it('probability rank, one per step, is not the joint (the test above has power): chi-square rejects it', async () => {
    expect((await onePerStepAgainstJoint('probability')).pValue).toBeLessThan(1e-3);
  });

  it('every count and rank: fixed tokens never change, at most T steps, no tensors left, abort stops it', async () => {
    const M = V;
    const prompts = [Int32Array.of(0, M, M, M), Int32Array.of(M, 2, M, 1)];
    for (const transfer of TRANSFER_COUNTS) {
      for (const rank of TRANSFER_RANKS) {
        const before = tf.memory().numTensors;
        const { tokens, steps } = await sampleWithStats(denoiser, {
          length: L,
          steps: 3,
          schedule: linear(),
          method: 'confidence',
          transfer,
          rank,
          prompt: prompts,
          rng: createRng(5),
        });
        expect(steps).toBeLessThanOrEqual(3);
        tokens.forEach((x, b) => {
          x.forEach((v, n) => {
            expect(v).toBeLessThan(V);
            if (prompts[b]![n] !== M) expect(v).toBe(prompts[b]![n]);
          });
        });
        const controller = new AbortController();
        controller.abort();
        await expect(
          sample(denoiser, {
            length: L,
            steps: 3,
            schedule: linear(),
            method: 'confidence',
            transfer,
            rank,
            rng: createRng(1),
            signal: controller.signal,
          }),
        ).rejects.toMatchObject({ name: 'AbortError' });
        expect(tf.memory().numTensors).toBe(before);
      }
    }
  });
});
