import { createRng, type Rng } from '@md4/core';
import { createUniformDenoiser, sequenceAt } from '@md4/core/testing';
import { genmd4Schedule, linear, polynomial, type StateDependentSchedule } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  createLinearDenoiser,
  expectedGenmd4Nelbo,
  meanAndStderr,
  patternTables,
  report,
} from './exact-expectations.test-helper';
import { genmd4Loss } from './genmd4-loss';
import { md4Loss } from './md4-loss';
import { disposeLossResult } from './training-loss';

const softplus = (x: number) => Math.log1p(Math.exp(x));

function scheduleWith(raw: number[], eps = 1e-4): StateDependentSchedule {
  const schedule = genmd4Schedule(raw.length, { eps });
  tf.tidy(() => schedule.rawExponents.assign(tf.tensor1d(raw)));
  return schedule;
}

function tokens(rows: ArrayLike<number>[]): tf.Tensor2D {
  return tf.tensor2d(
    rows.flatMap((r) => Array.from(r)),
    [rows.length, rows[0]!.length],
    'int32',
  );
}

/** An Rng that records the uniforms it hands out. */
function recording(rng: Rng): Rng & { log: number[] } {
  const log: number[] = [];
  return {
    log,
    uniform: () => {
      const u = rng.uniform();
      log.push(u);
      return u;
    },
    fork: () => rng.fork(),
  };
}

/** An Rng that replays given uniforms. */
function replay(values: number[]): Rng {
  let i = 0;
  const r: Rng = { uniform: () => values[i++]!, fork: () => r };
  return r;
}

describe('genmd4Loss with a uniform denoiser', () => {
  it('averages to the analytic expectation: (1 - eps) log2 V for equal w, a closed form otherwise', () => {
    // Uniform mu: per token n with w_n = w_{x0^n}, E = (1 - eps) [ (1 - t1^w_n) / w_n (mean w - w_n + w_n log V)
    //   + t1^w_n log V ]; for equal w this is (1 - eps) log V, MD4's value.
    const V = 4;
    const L = 6;
    const t1 = 1e-3;
    const rng = createRng(50);
    const rows = Array.from({ length: 64 }, () =>
      Int32Array.from({ length: L }, () => Math.floor(rng.uniform() * V)),
    );
    const x0 = tokens(rows);
    for (const raw of [
      [0.54, 0.54, 0.54, 0.54],
      [-1, 0, 0.8, 2],
    ]) {
      const schedule = scheduleWith(raw);
      const w = Array.from(schedule.exponentValues());
      const meanW = w.reduce((s, x) => s + x, 0) / V;
      let expectedNats = 0;
      for (const row of rows) {
        for (const v of row) {
          const wn = w[v]!;
          expectedNats +=
            (1 - schedule.eps) *
            (((1 - t1 ** wn) / wn) * (meanW - wn + wn * Math.log(V)) + t1 ** wn * Math.log(V));
        }
      }
      const expected = expectedNats / (rows.length * L * Math.LN2);
      const values = Array.from({ length: 60 }, () => {
        const r = genmd4Loss(createUniformDenoiser(V), x0, { schedule, rng, t1 });
        const [loss, nelbo] = [r.loss.dataSync()[0]!, r.nelbo.dataSync()[0]!];
        expect(loss).toBeCloseTo(nelbo, 5); // the REINFORCE term has value 0
        disposeLossResult(r);
        return nelbo;
      });
      const { mean, stderr } = meanAndStderr(values);
      report('genmd4Loss uniform denoiser', {
        w: w.map((x) => x.toFixed(3)).join(' '),
        expected,
        mean,
        stderr,
        z: (mean - expected) / stderr,
      });
      expect(Math.abs(mean - expected)).toBeLessThan(4 * stderr);
      if (raw[0] === raw[1]) expect(expected).toBeCloseTo((1 - 1e-4) * Math.log2(V), 10);
      schedule.dispose();
    }
    x0.dispose();
  });
});

describe('genmd4Loss with all w = c', () => {
  it('equals MD4 with poly c sequence by sequence on the same times and masks (eps = 0, t1 = 0)', () => {
    const V = 4;
    const L = 5;
    const c = 2;
    const { denoiser, weights } = createLinearDenoiser(V, L, createRng(51), 1);
    const rng = createRng(52);
    const x0 = tokens(
      Array.from({ length: 16 }, () => Int32Array.from({ length: L }, () => Math.floor(rng.uniform() * V))),
    );
    const schedule = genmd4Schedule(V, { eps: 0, initialExponent: c });
    const recorder = recording(createRng(53));
    const gen = genmd4Loss(denoiser, x0, { schedule, rng: recorder, t1: 0 });
    // genmd4Loss consumed: 1 uniform for the antithetic times, then B L per mask.
    const n = 16 * L;
    const [u0, mask1, mask2] = [
      recorder.log[0]!,
      recorder.log.slice(1, 1 + n),
      recorder.log.slice(1 + n, 1 + 2 * n),
    ];
    const md4 = polynomial(c, { eps: 0 });
    const first = md4Loss(denoiser, x0, { schedule: md4, rng: replay([u0, ...mask1]) });
    const second = md4Loss(denoiser, x0, { schedule: md4, rng: replay([u0, ...mask2]) });
    expect(Array.from(first.times)).toEqual(Array.from(gen.times));
    expect(first.maskedTokens).toEqual([gen.maskedTokens[0]]);
    expect(second.maskedTokens).toEqual([gen.maskedTokens[1]]);
    const a = first.perSequence.dataSync();
    const b = second.perSequence.dataSync();
    const g = gen.perSequence.dataSync();
    let worst = 0;
    for (let i = 0; i < 16; i++)
      worst = Math.max(worst, Math.abs(g[i]! - (a[i]! + b[i]!) / 2) / Math.max(1, Math.abs(g[i]!)));
    report('genmd4 (w = 2) vs MD4 poly2, same draws', { worstRelativeDifference: worst });
    expect(worst).toBeLessThan(1e-5);
    disposeLossResult(first);
    disposeLossResult(second);
    tf.dispose([x0, weights]);
    disposeLossResult(gen);
    schedule.dispose();
  });
});

describe('genmd4Loss against exact expectations (V = 3, L = 3, every mask enumerated)', () => {
  const V = 3;
  const L = 3;
  const eps = 1e-4;
  const t1 = 1e-3;
  const raw = [-0.6, 0.3, 1.2];
  const sequences = [
    [0, 1, 2],
    [2, 2, 0],
    [1, 0, 1],
    [0, 0, 2],
  ].map((r) => Int32Array.from(r));
  const replicas = 128;
  const batch = Array.from({ length: replicas }, () => sequences).flat();

  it('gives an unbiased NELBO, and an RLOO gradient for w equal to the finite-difference gradient', async () => {
    const { denoiser, weights } = createLinearDenoiser(V, L, createRng(60), 1);
    const tables = await patternTables(denoiser, sequences);
    const exactBits = (r: number[]) => {
      const w = r.map(softplus);
      return (
        tables.reduce((s, table) => s + expectedGenmd4Nelbo(table, w, eps, t1), 0) /
        sequences.length /
        (L * Math.LN2)
      );
    };
    const oracle = exactBits(raw);
    const fdGradient = raw.map((_, v) => {
      const h = 1e-4;
      const up = raw.slice();
      const down = raw.slice();
      up[v]! += h;
      down[v]! -= h;
      return (exactBits(up) - exactBits(down)) / (2 * h);
    });

    const schedule = scheduleWith(raw, eps);
    const x0 = tokens(batch);
    const rng = createRng(61);
    const calls = 40;
    const nelbos: number[] = [];
    const rloo: number[][] = [[], [], []];
    const pathwise: number[][] = [[], [], []];
    for (let k = 0; k < calls; k++) {
      let nelbo: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const r = genmd4Loss(denoiser, x0, { schedule, rng, t1 });
        nelbo = tf.keep(r.nelbo);
        return r.loss;
      }, [schedule.rawExponents]);
      const g = grads[schedule.rawExponents.name]!.dataSync();
      for (let v = 0; v < V; v++) rloo[v]!.push(g[v]!);
      nelbos.push(nelbo!.dataSync()[0]!);
      tf.dispose([value, grads, nelbo!]);
    }
    // Pathwise-only gradients on fresh draws (what one gets without the REINFORCE term).
    for (let k = 0; k < calls; k++) {
      const { value, grads } = tf.variableGrads(
        () => genmd4Loss(denoiser, x0, { schedule, rng, t1 }).nelbo,
        [schedule.rawExponents],
      );
      const g = grads[schedule.rawExponents.name]!.dataSync();
      for (let v = 0; v < V; v++) pathwise[v]!.push(g[v]!);
      tf.dispose([value, grads]);
    }

    const nelboStats = meanAndStderr(nelbos);
    report('genmd4 NELBO vs exact expectation', {
      oracle,
      ...nelboStats,
      z: (nelboStats.mean - oracle) / nelboStats.stderr,
    });
    expect(Math.abs(nelboStats.mean - oracle)).toBeLessThan(4 * nelboStats.stderr);
    let pathwiseOff = 0;
    for (let v = 0; v < V; v++) {
      const stats = meanAndStderr(rloo[v]!);
      const pw = meanAndStderr(pathwise[v]!);
      const z = (stats.mean - fdGradient[v]!) / stats.stderr;
      const zPathwise = (pw.mean - fdGradient[v]!) / pw.stderr;
      pathwiseOff = Math.max(pathwiseOff, Math.abs(zPathwise));
      report('genmd4 RLOO gradient vs finite differences of the exact expectation', {
        v,
        finiteDifference: fdGradient[v]!,
        rloo: stats.mean,
        stderr: stats.stderr,
        z,
        pathwiseOnly: pw.mean,
        zPathwiseOnly: zPathwise,
      });
      expect(Math.abs(stats.mean - fdGradient[v]!)).toBeLessThan(4 * stats.stderr);
    }
    // Without REINFORCE the gradient is biased: the test can tell the difference.
    expect(pathwiseOff).toBeGreaterThan(6);
    tf.dispose([x0, weights]);
    schedule.dispose();
  });
});

describe('genmd4Loss gradients, memory and input checks', () => {
  it('sends gradients to the network and to w; the REINFORCE term sends none to the network', () => {
    const V = 4;
    const L = 5;
    const { denoiser, weights } = createLinearDenoiser(V, L, createRng(70), 0.5);
    const schedule = scheduleWith([0.1, -0.4, 0.9, 0.3]);
    const rng = createRng(71);
    const x0 = tokens(
      Array.from({ length: 8 }, () => Int32Array.from({ length: L }, () => Math.floor(rng.uniform() * V))),
    );
    const gradsOf = (pick: 'loss' | 'nelbo') =>
      tf.variableGrads(() => {
        const r = genmd4Loss(denoiser, x0, { schedule, rng: createRng(72) });
        return r[pick];
      }, [weights, schedule.rawExponents]);
    const surrogate = gradsOf('loss');
    const nelbo = gradsOf('nelbo');
    const network = surrogate.grads[weights.name]!.dataSync();
    const w = surrogate.grads[schedule.rawExponents.name]!.dataSync();
    expect(Array.from(network).every(Number.isFinite) && network.some((g) => g !== 0)).toBe(true);
    expect(Array.from(w).every(Number.isFinite) && w.every((g) => g !== 0)).toBe(true);
    expect(Array.from(network)).toEqual(Array.from(nelbo.grads[weights.name]!.dataSync()));
    expect(Array.from(w)).not.toEqual(Array.from(nelbo.grads[schedule.rawExponents.name]!.dataSync()));
    tf.dispose([surrogate.value, surrogate.grads, nelbo.value, nelbo.grads, x0, weights]);
    schedule.dispose();
  });

  it('leaves only the returned tensors', () => {
    const schedule = genmd4Schedule(3);
    const x0 = tokens([sequenceAt(5, 3, 4), sequenceAt(70, 3, 4)]);
    const before = tf.memory().numTensors;
    const r = genmd4Loss(createUniformDenoiser(3), x0, { schedule, rng: createRng(0), antithetic: false });
    expect(tf.memory().numTensors).toBe(before + 4);
    disposeLossResult(r);
    expect(tf.memory().numTensors).toBe(before);
    x0.dispose();
    schedule.dispose();
  });

  it('rejects a schedule of another vocabulary, a bad t1, an MD4 schedule and bad tokens', () => {
    const schedule = genmd4Schedule(3);
    const uniform = createUniformDenoiser(3);
    const x0 = tokens([[0, 1, 2]]);
    const opts = { schedule, rng: createRng(0) };
    expect(() => genmd4Loss(createUniformDenoiser(4), x0, opts)).toThrow(
      /schedule has 3 exponents but the denoiser's vocabSize is 4/,
    );
    expect(() => genmd4Loss(uniform, x0, { ...opts, t1: 1 })).toThrow(/t1 must lie in \[0, 1\), got 1/);
    expect(() => genmd4Loss(uniform, x0, { ...opts, t1: -0.1 })).toThrow(/t1 must lie in/);
    expect(() => genmd4Loss(uniform, x0, { ...opts, schedule: linear() as never })).toThrow(
      /GenMD4 schedule/,
    );
    const bad = tokens([[0, 3, 1]]);
    expect(() => genmd4Loss(uniform, bad, opts)).toThrow(/token 3 at index 1 is outside \[0, 3\)/);
    tf.dispose([x0, bad]);
    schedule.dispose();
  });
});
