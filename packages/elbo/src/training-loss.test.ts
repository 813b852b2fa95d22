import { createRng } from '@md4/core';
import { cosine, genmd4Schedule, type Schedule } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createLinearDenoiser } from './exact-expectations.test-helper';
import { genmd4Loss } from './genmd4-loss';
import { md4Loss } from './md4-loss';
import { disposeLossResult, maskedDiffusionLoss, type TrainingLossResult } from './training-loss';

const [V, L, B] = [5, 4, 6];

function values(r: TrainingLossResult) {
  return {
    loss: r.loss.dataSync()[0],
    nelbo: r.nelbo.dataSync()[0],
    perSequence: Array.from(r.perSequence.dataSync()),
    reconstruction: r.reconstruction.dataSync()[0],
    times: Array.from(r.times),
    maskedTokens: r.maskedTokens.map((m) => Array.from(m)),
  };
}

describe('maskedDiffusionLoss', () => {
  const x0 = tf.tensor2d(
    Int32Array.from({ length: B * L }, (_, i) => (7 * i + 3) % V),
    [B, L],
    'int32',
  );

  it.each([
    ['MD4, continuous time', cosine(), undefined],
    ['MD4, T = 8', cosine(), 8],
    ['GenMD4', genmd4Schedule(V), undefined],
  ] as Array<[string, Schedule, number | undefined]>)(
    '%s: the loss of its schedule kind, draw for draw, in the one result type',
    (_, schedule, timesteps) => {
      const { denoiser, weights } = createLinearDenoiser(V, L, createRng(1), 0.5);
      const before = tf.memory().numTensors;
      const viaDispatch = maskedDiffusionLoss(schedule, { timesteps })(denoiser, x0, createRng(2));
      const direct =
        schedule.kind === 'genmd4'
          ? genmd4Loss(denoiser, x0, { schedule, rng: createRng(2) })
          : md4Loss(denoiser, x0, { schedule, rng: createRng(2), timesteps });
      expect(values(viaDispatch)).toEqual(values(direct));
      const v = values(viaDispatch);
      expect(v.nelbo).toBeCloseTo(v.loss!, 5); // GenMD4's extra term has value 0
      // bits per token from nats per sequence
      expect(v.nelbo).toBeCloseTo(v.perSequence.reduce((s, x) => s + x, 0) / B / (L * Math.LN2), 5);
      expect(viaDispatch.maskedTokens).toHaveLength(schedule.kind === 'genmd4' ? 2 : 1);
      disposeLossResult(viaDispatch);
      disposeLossResult(direct);
      expect(tf.memory().numTensors).toBe(before);
      weights.dispose();
      if (schedule.kind === 'genmd4') schedule.dispose();
    },
  );

  it('refuses discrete time for GenMD4', () => {
    const schedule = genmd4Schedule(V);
    expect(() => maskedDiffusionLoss(schedule, { timesteps: 8 })).toThrow(
      'maskedDiffusionLoss: timesteps (discrete time) applies to the MD4 loss only',
    );
    expect(() => maskedDiffusionLoss(schedule, { steps: 8 } as never)).toThrow(
      /write timesteps instead of steps/,
    );
    schedule.dispose();
  });
});
