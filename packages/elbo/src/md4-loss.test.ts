import { createRng } from '@md4/core';
import { createExactDenoiser, createUniformDenoiser, randomJoint, sequenceAt } from '@md4/core/testing';
import { cosine, geometric, linear, type MaskingSchedule, polynomial } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  createLinearDenoiser,
  expectedMd4Nelbo,
  meanAndStderr,
  patternTables,
  report,
} from './exact-expectations.test-helper';
import { md4Loss } from './md4-loss';
import { disposeLossResult } from './training-loss';

const schedules: MaskingSchedule[] = [linear(), cosine(), polynomial(3), geometric()];
const V = 5;
const L = 8;

function randomTokens(B: number, length: number, vocab: number, seed: number): tf.Tensor2D {
  const rng = createRng(seed);
  return tf.tensor2d(
    Int32Array.from({ length: B * length }, () => Math.floor(rng.uniform() * vocab)),
    [B, length],
    'int32',
  );
}

/** The MD4 weight of the masked cross-entropy at a returned time. */
function weightAt(schedule: MaskingSchedule, t: number, timesteps?: number): number {
  if (timesteps === undefined) return -schedule.weight(t);
  const alphaT = schedule.alpha(t);
  return (timesteps * (schedule.alpha(Math.max(0, t - 1 / timesteps)) - alphaT)) / (1 - alphaT);
}

describe('md4Loss with a uniform denoiser', () => {
  const uniform = createUniformDenoiser(V);

  it.each(schedules)(
    'gives weight * (#masked) * log V + recon for each sequence exactly ($name)',
    (schedule) => {
      const x0 = randomTokens(32, L, V, 1);
      for (const timesteps of [undefined, 10]) {
        const result = md4Loss(uniform, x0, { schedule, rng: createRng(2), timesteps });
        const nelbo = result.perSequence.dataSync();
        const recon = L * (1 - schedule.alpha(0)) * Math.log(V);
        expect(result.reconstruction.dataSync()[0]!).toBeCloseTo(recon / (L * Math.LN2), 6); // float32
        let worst = 0;
        for (let b = 0; b < 32; b++) {
          const expected =
            weightAt(schedule, result.times[b]!, timesteps) * result.maskedTokens[0]![b]! * Math.log(V) +
            recon;
          worst = Math.max(worst, Math.abs(nelbo[b]! - expected) / expected);
        }
        expect(worst).toBeLessThan(2e-6);
        const mean = Array.from(nelbo).reduce((s, x) => s + x, 0) / 32;
        expect(result.loss.dataSync()[0]).toBeCloseTo(mean / (L * Math.LN2), 5);
        if (timesteps !== undefined) {
          for (const t of result.times)
            expect(Number.isInteger(Math.round(t * timesteps)) && t > 0).toBe(true);
        }
        disposeLossResult(result);
      }
      x0.dispose();
    },
  );

  it.each(schedules)(
    'averages to (1 - alpha(1)) log2 V bits/token within 4 standard errors ($name)',
    (schedule) => {
      // E[NELBO] = (alpha(0) - alpha(1)) L log V + L (1 - alpha(0)) log V: exact for continuous and discrete time.
      const expected = ((1 - schedule.alpha(1)) * Math.log(V)) / Math.LN2;
      const x0 = randomTokens(64, L, V, 3);
      const rng = createRng(4);
      for (const timesteps of [undefined, 10]) {
        const losses = Array.from({ length: 60 }, () => {
          const r = md4Loss(uniform, x0, { schedule, rng, timesteps });
          const value = r.loss.dataSync()[0]!;
          disposeLossResult(r);
          return value;
        });
        const { mean, stderr } = meanAndStderr(losses);
        report('md4Loss uniform', {
          schedule: schedule.name,
          timesteps: timesteps ?? 'inf',
          expected,
          mean,
          stderr,
          z: (mean - expected) / stderr,
        });
        expect(Math.abs(mean - expected)).toBeLessThan(4 * stderr);
      }
      x0.dispose();
    },
  );

  it('spreads antithetic times 1/B apart, and draws iid times when antithetic is false', () => {
    const x0 = randomTokens(8, 3, V, 5);
    const a = md4Loss(uniform, x0, { schedule: linear(), rng: createRng(6) });
    const sorted = Array.from(a.times).sort((p, q) => p - q);
    for (let b = 1; b < 8; b++) expect(sorted[b]! - sorted[b - 1]!).toBeCloseTo(1 / 8, 12);
    const iid = md4Loss(uniform, x0, { schedule: linear(), rng: createRng(6), antithetic: false });
    const stream = createRng(6);
    expect(Array.from(iid.times)).toEqual(Array.from({ length: 8 }, () => stream.uniform()));
    disposeLossResult(a);
    disposeLossResult(iid);
    x0.dispose();
  });
});

describe('md4Loss gradients', () => {
  it('match central finite differences along random directions (tiny trainable denoiser)', () => {
    const { denoiser, weights } = createLinearDenoiser(4, 3, createRng(7), 0.5);
    const x0 = randomTokens(16, 3, 4, 8);
    const schedule = cosine();
    const lossAt = () => {
      const r = md4Loss(denoiser, x0, { schedule, rng: createRng(9) });
      tf.dispose([r.nelbo, r.perSequence, r.reconstruction]);
      return r.loss;
    };
    const { value, grads } = tf.variableGrads(lossAt, [weights]);
    const grad = grads[weights.name]!;
    const base = weights.clone();
    const dirRng = createRng(10);
    let worst = 0;
    for (let k = 0; k < 3; k++) {
      const direction = tf.tensor(
        Float32Array.from({ length: weights.size }, () => dirRng.normal()),
        weights.shape,
      );
      const h = 1e-2;
      const probe = (sign: number) => {
        tf.tidy(() => weights.assign(tf.add(base, tf.mul(direction, sign * h))));
        const l = lossAt();
        const v = l.dataSync()[0]!;
        l.dispose();
        return v;
      };
      const fd = (probe(1) - probe(-1)) / (2 * h);
      const analytic = tf.tidy(() => tf.sum(tf.mul(grad, direction)).dataSync()[0]!);
      worst = Math.max(worst, Math.abs(analytic - fd) / Math.max(0.1, Math.abs(fd)));
      direction.dispose();
    }
    report('md4Loss gradient vs finite differences', { worstRelativeError: worst });
    expect(worst).toBeLessThan(1e-2);
    expect(Array.from(grad.dataSync()).some((g) => g !== 0)).toBe(true);
    tf.dispose([value, grads, base, x0, weights]);
  });

  it('ignores NaN logits at kept positions (value and gradient stay finite)', () => {
    const { denoiser, weights } = createLinearDenoiser(4, 3, createRng(11));
    const nanAtKept = {
      ...denoiser,
      logits: (xt: tf.Tensor2D, t: tf.Tensor1D) =>
        tf.tidy(() => {
          const kept = tf.reshape(tf.notEqual(xt, 4), [xt.shape[0], xt.shape[1], 1]);
          return tf.where(kept, tf.fill([1, 1, 4], Number.NaN), denoiser.logits(xt, t)) as tf.Tensor3D;
        }),
    };
    const x0 = randomTokens(8, 3, 4, 12);
    const clean = md4Loss(denoiser, x0, { schedule: linear(), rng: createRng(13) });
    const { value, grads } = tf.variableGrads(() => {
      const r = md4Loss(nanAtKept, x0, { schedule: linear(), rng: createRng(13) });
      return r.loss;
    }, [weights]);
    expect(value.dataSync()[0]).toBeCloseTo(clean.loss.dataSync()[0]!, 5);
    expect(Array.from(grads[weights.name]!.dataSync()).every(Number.isFinite)).toBe(true);
    disposeLossResult(clean);
    tf.dispose([value, grads, x0, weights]);
  });
});

describe('md4Loss memory and input checks', () => {
  const uniform = createUniformDenoiser(V);

  it('leaves only the returned tensors', () => {
    const x0 = randomTokens(4, L, V, 14);
    const rng = createRng(0);
    const joint = randomJoint(3, 3, () => rng.uniform());
    const before = tf.memory().numTensors;
    for (const timesteps of [undefined, 5]) {
      const r = md4Loss(uniform, x0, { schedule: linear(), rng, timesteps });
      expect(tf.memory().numTensors).toBe(before + 4); // loss, nelbo, perSequence, reconstruction
      disposeLossResult(r);
    }
    const small = tf.tensor2d([[0, 1, 2]], [1, 3], 'int32');
    const r = md4Loss(createExactDenoiser(joint), small, { schedule: linear(), rng });
    disposeLossResult(r);
    small.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x0.dispose();
  });

  it('rejects bad tokens, shapes, dtypes, timesteps, schedules and a vocabulary mismatch', () => {
    const opts = { schedule: linear(), rng: createRng(0) };
    const before = tf.memory().numTensors;
    const cases: Array<[tf.Tensor, RegExp]> = [
      [tf.tensor2d([[0, 5]], [1, 2], 'int32'), /token 5 at index 1 is outside \[0, 5\).*same vocabulary/],
      [tf.tensor2d([[-1, 0]], [1, 2], 'int32'), /token -1 at index 0/],
      [tf.tensor2d([[0, 1]], [1, 2], 'float32'), /dtype int32, got float32/],
      [tf.tensor1d([0, 1], 'int32'), /rank-2 \[batch, length\] tensor, got shape \[2\]/],
      [tf.zeros([0, 3], 'int32'), /at least one sequence/],
    ];
    for (const [x0, message] of cases) {
      expect(() => md4Loss(uniform, x0 as tf.Tensor2D, opts)).toThrow(message);
      x0.dispose();
    }
    const x0 = tf.tensor2d([[0, 1, 2]], [1, 3], 'int32');
    expect(() => md4Loss(uniform, x0, { ...opts, timesteps: 0 })).toThrow(
      /timesteps must be an integer >= 1/,
    );
    expect(() => md4Loss(uniform, x0, { ...opts, timesteps: 2.5 })).toThrow(
      /timesteps must be an integer >= 1/,
    );
    // The old name of the option would silently mean continuous time.
    expect(() => md4Loss(uniform, x0, { ...opts, steps: 10 } as never)).toThrow(
      'md4Loss: the discrete-time T is named timesteps now; write timesteps instead of steps',
    );
    expect(() => md4Loss(uniform, x0, { ...opts, schedule: 'linear' as never })).toThrow(/MaskingSchedule/);
    expect(() => md4Loss(uniform, x0, { ...opts, rng: undefined as never })).toThrow(/createRng/);
    // Data with more values than the denoiser knows, and a denoiser whose logits disagree with vocabSize.
    expect(() => md4Loss(createUniformDenoiser(2), x0, opts)).toThrow(/denoiser vocabSize 2.*token 2/);
    const liar = { ...createUniformDenoiser(4), vocabSize: 3 };
    expect(() => md4Loss(liar, x0, opts)).toThrow(/logits of shape \[1,3,4\], expected \[1, 3, 3\]/);
    x0.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('md4Loss with the exact denoiser of a known distribution', () => {
  it('averages to the exact expected NELBO of the batch within 4 standard errors, continuous and T = 3', async () => {
    const rng = createRng(15);
    const joint = randomJoint(3, 4, () => rng.uniform(), 1);
    const exact = createExactDenoiser(joint);
    const all = Array.from({ length: 81 }, (_, i) => sequenceAt(i, 3, 4));
    const tables = await patternTables(exact, all);
    const x0 = tf.tensor2d(
      all.flatMap((x) => Array.from(x)),
      [81, 4],
      'int32',
    );
    for (const [schedule, timesteps] of [
      [linear(), undefined],
      [geometric(), undefined],
      [polynomial(2), 3],
    ] as Array<[MaskingSchedule, number | undefined]>) {
      const oracle =
        tables.reduce((s, t) => s + expectedMd4Nelbo(t, schedule, timesteps), 0) / 81 / (4 * Math.LN2);
      const losses = Array.from({ length: 100 }, () => {
        const r = md4Loss(exact, x0, { schedule, rng, timesteps });
        const value = r.loss.dataSync()[0]!;
        disposeLossResult(r);
        return value;
      });
      const { mean, stderr } = meanAndStderr(losses);
      report('md4Loss exact denoiser vs exact expectation', {
        schedule: schedule.name,
        timesteps: timesteps ?? 'inf',
        oracle,
        mean,
        stderr,
        z: (mean - oracle) / stderr,
      });
      expect(Math.abs(mean - oracle)).toBeLessThan(4 * stderr);
    }
    x0.dispose();
  });
});
