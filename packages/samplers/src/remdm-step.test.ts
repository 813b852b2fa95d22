import { createRng } from '@md4/core';
import { createExactDenoiser, randomJoint } from '@md4/core/testing';
import { linear, timeGrid } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { timeAtAlpha } from './hitting-time';
import { loopTime, remaskBound, remdmUnmaskProbability } from './remdm-step';
import { sample, sampleWithStats } from './sample';
import type { RemaskInput } from './sample-options';
import { REMASK_DEFAULTS } from './sample-options';
import type { StepEvent } from './step-event';
import { chiSquareTest, countSequences } from './test-support/chi-square';
import type { StepProbabilities } from './test-support/remdm-law';
import { remaskingSamplerLaw, totalVariation } from './test-support/remdm-law';

const V = 3;
const L = 4;
const joint = randomJoint(V, L, createRng(23).uniform.bind(createRng(23)), 2);
const denoiser = createExactDenoiser(joint);
const schedule = linear({ eps: 0 }); // alpha(0) = 1: the last step unmasks everything
const SIGNIFICANCE = 1e-3;

/** The per-step probabilities the ReMDM step uses, from the paper's formulas (not the kernel). */
function remdmStep(remask: RemaskInput, steps: number): (step: number) => StepProbabilities {
  const grid = timeGrid(steps, 'uniform');
  const alpha = (t: number) => schedule.alpha(t);
  return (i) => {
    const t = grid[i]!;
    const s = grid[i + 1]!;
    const last = i === steps - 1;
    if (remask.strategy === 'loop') {
      const { tOn, tOff, alphaOn, eta } = { ...REMASK_DEFAULTS, ...remask };
      const tauOn = timeAtAlpha(alpha, alphaOn);
      const alphaT = alpha(loopTime(t, tOn, tOff, tauOn));
      const alphaS = alpha(loopTime(s, tOn, tOff, tauOn));
      const sigma = last || !(t <= tOn && t > tOff) ? 0 : Math.min(eta, remaskBound(alphaT, alphaS));
      return { unmask: remdmUnmaskProbability(alphaT, alphaS, sigma), sigma };
    }
    const alphaT = alpha(t);
    const alphaS = alpha(s);
    const bound = remaskBound(alphaT, alphaS);
    const eta = remask.strategy === 'conf' ? 0 : (remask.eta ?? REMASK_DEFAULTS.eta);
    const sigma = last ? 0 : remask.strategy === 'cap' ? Math.min(eta, bound) : eta * bound;
    return { unmask: remdmUnmaskProbability(alphaT, alphaS, sigma), sigma };
  };
}

describe('ReMDM step probabilities', () => {
  it('sigma_max = min(1, (1 - alpha_s) / alpha_t); at sigma = 0 the unmask probability is MD4s, at sigma_max it is 1 when (1 - alpha_s) < alpha_t', () => {
    expect(remaskBound(0.5, 0.7)).toBeCloseTo(0.6, 15);
    expect(remaskBound(0.2, 0.3)).toBe(1);
    expect(remaskBound(0, 0.1)).toBe(1);
    expect(remdmUnmaskProbability(0.5, 0.7, 0)).toBeCloseTo(0.2 / 0.5, 15);
    expect(remdmUnmaskProbability(0.5, 0.7, 0.6)).toBeCloseTo(1, 15);
    // (alpha_s - (1 - sigma) alpha_t) / (1 - alpha_t) at a middle sigma
    expect(remdmUnmaskProbability(0.5, 0.7, 0.3)).toBeCloseTo((0.7 - 0.7 * 0.5) / 0.5, 15);
    // on the loop's plateau alpha_t = alpha_s: sigma alpha / (1 - alpha)
    expect(remdmUnmaskProbability(0.9, 0.9, 0.05)).toBeCloseTo((0.05 * 0.9) / 0.1, 14);
  });

  it('loopTime maps [t_on, 1] onto [tau_on, 1], holds tau_on on (t_off, t_on] and maps [0, t_off] onto [0, tau_on]', () => {
    expect(loopTime(1, 0.55, 0.05, 0.1)).toBeCloseTo(1, 15);
    expect(loopTime(0.55, 0.55, 0.05, 0.1)).toBe(0.1);
    expect(loopTime(0.3, 0.55, 0.05, 0.1)).toBe(0.1);
    expect(loopTime(0.05, 0.55, 0.05, 0.1)).toBeCloseTo(0.1, 15);
    expect(loopTime(0.025, 0.55, 0.05, 0.1)).toBeCloseTo(0.05, 15);
    expect(loopTime(0, 0.55, 0.05, 0.1)).toBe(0);
    // for the linear schedule this is ReMDM's loop: alpha = alpha_on (1 - t) / (1 - t_on) above t_on
    const tauOn = timeAtAlpha(schedule.alpha, 0.9);
    expect(schedule.alpha(loopTime(0.8, 0.55, 0.05, tauOn))).toBeCloseTo((0.9 * 0.2) / 0.45, 12);
  });
});

describe('ReMDM sampler: exact laws', () => {
  it('keeps the marginals: for L = 1 its law is p exactly at any T (dynamic programming)', () => {
    const single = randomJoint(5, 1, createRng(3).uniform.bind(createRng(3)), 2);
    for (const remask of [
      { strategy: 'rescale', eta: 1 },
      { strategy: 'loop', eta: 0.1 },
    ] as const) {
      for (const steps of [2, 7, 40]) {
        const law = remaskingSamplerLaw(single, steps, remdmStep(remask, steps));
        expect(totalVariation(law, single.probabilities)).toBeLessThan(1e-12);
      }
    }
  });

  for (const remask of [
    { strategy: 'rescale', eta: 1 },
    { strategy: 'cap', eta: 0.3 },
    { strategy: 'loop', eta: 0.1, tOn: 0.7, tOff: 0.2, alphaOn: 0.5 },
  ] as const) {
    it(`${remask.strategy}: samples follow the sampler's exact law (T = 8, 20000 samples, chi-square alpha = 0.001)`, async () => {
      const steps = 8;
      const law = remaskingSamplerLaw(joint, steps, remdmStep(remask, steps));
      const ancestralLaw = remaskingSamplerLaw(joint, steps, remdmStep({ strategy: 'cap', eta: 0 }, steps));
      const { tokens } = await sampleWithStats(denoiser, {
        length: L,
        batch: 20_000,
        steps,
        schedule,
        method: 'remdm',
        remask,
        rng: createRng(7),
      });
      const test = chiSquareTest(countSequences(tokens, V, V ** L), law);
      const againstAncestral = chiSquareTest(countSequences(tokens, V, V ** L), ancestralLaw);
      console.info(`remdm ${remask.strategy} T = 8`, test, {
        tvToJoint: totalVariation(law, joint.probabilities),
        tvToAncestral: totalVariation(law, ancestralLaw),
      });
      expect(test.pValue).toBeGreaterThan(SIGNIFICANCE);
      // the remasking visibly changes the law: the same samples reject the no-remasking law
      expect(againstAncestral.pValue).toBeLessThan(SIGNIFICANCE);
    });
  }

  it('its law approaches the joint as T grows (total variation, exact)', () => {
    for (const remask of [
      { strategy: 'rescale', eta: 1 },
      { strategy: 'loop', eta: 0.05 },
    ] as const) {
      const distances = [2, 8, 32, 128].map((steps) =>
        totalVariation(remaskingSamplerLaw(joint, steps, remdmStep(remask, steps)), joint.probabilities),
      );
      console.info(`remdm ${remask.strategy}: TV to the joint at T = 2, 8, 32, 128`, distances);
      for (let i = 1; i < distances.length; i++) expect(distances[i]!).toBeLessThan(distances[i - 1]!);
      expect(distances[3]!).toBeLessThan(0.03); // measured 0.025 (rescale, eta = 1), halving per 4x T
    }
  });
});

describe('ReMDM sampler: invariants', () => {
  it('conf: fixed tokens never change, remasks hit generated tokens only, every grid step runs, nothing stays masked', async () => {
    const M = V;
    const prompts = [Int32Array.of(0, M, M, M), Int32Array.of(M, 2, M, 1), Int32Array.of(M, M, M, M)];
    const events: StepEvent[] = [];
    const { tokens, steps } = await sampleWithStats(denoiser, {
      length: L,
      steps: 40,
      schedule: linear(),
      method: 'remdm',
      remask: { strategy: 'conf' },
      prompt: prompts,
      rng: createRng(5),
      onStep: (e) => events.push(e),
    });
    expect(steps).toBe(40);
    expect(events).toHaveLength(40);
    let remasks = 0;
    for (const event of events) {
      expect(event.remasked).toHaveLength(3);
      event.remasked!.forEach((positions, b) => {
        for (const n of positions) {
          expect(prompts[b]![n]).toBe(M);
          remasks++;
        }
      });
    }
    expect(remasks).toBeGreaterThan(0);
    expect(events.at(-1)!.remasked!.every((positions) => positions.length === 0)).toBe(true);
    tokens.forEach((x, b) => {
      x.forEach((v, n) => {
        expect(v).toBeLessThan(V);
        if (prompts[b]![n] !== M) expect(v).toBe(prompts[b]![n]);
      });
    });
  });

  it('lazy and eager runs draw identical samples, for every strategy', async () => {
    const timed = { ...denoiser, timeConditioned: true };
    for (const remask of [
      { strategy: 'cap' },
      { strategy: 'rescale', eta: 0.5 },
      { strategy: 'conf' },
      { strategy: 'loop' },
    ] as const) {
      const options = {
        length: L,
        batch: 32,
        steps: 30,
        schedule: linear(),
        method: 'remdm' as const,
        remask,
      };
      const lazy = await sampleWithStats(timed, { ...options, rng: createRng(8) });
      const eager = await sampleWithStats(timed, { ...options, rng: createRng(8), lazy: false });
      expect(lazy.tokens).toEqual(eager.tokens);
      expect(lazy.sequencesEvaluated).toBeLessThanOrEqual(eager.sequencesEvaluated);
    }
  });

  it('leaves no tensors behind and stops on abort', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const run = sample(denoiser, {
      length: L,
      batch: 4,
      steps: 50,
      schedule: linear(),
      method: 'remdm',
      remask: { strategy: 'loop' },
      rng: createRng(9),
      signal: controller.signal,
      onStep: (e) => {
        if (e.step === 10) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    await sample(denoiser, {
      length: L,
      batch: 4,
      steps: 20,
      schedule: linear(),
      method: 'remdm',
      rng: createRng(9),
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
