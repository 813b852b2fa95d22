import { createRng } from '@md4/core';
import {
  createExactDenoiser,
  exactConditionals,
  type JointDistribution,
  randomJoint,
} from '@md4/core/testing';
import { linear } from '@md4/schedules';
import { describe, expect, it } from 'vitest';
import { truncateTopP } from './nucleus';
import { sample } from './sample';
import { SAMPLE_METHODS } from './sample-options';
import { chiSquareTest, countSequences } from './test-support/chi-square';

describe('truncateTopP', () => {
  const order = new Int32Array(8);

  it('keeps the smallest most-probable set reaching topP and renormalises', () => {
    const probs = Float64Array.of(0.1, 0.5, 0.15, 0.25);
    truncateTopP(probs, 0.7, order);
    // sorted: 0.5, 0.25 -> 0.75 >= 0.7
    expect(Array.from(probs)).toEqual([0, 0.5 / 0.75, 0, 0.25 / 0.75]);
  });

  it('keeps exactly the argmax (lower index on ties) for a tiny topP, and everything for topP = 1', () => {
    const probs = Float64Array.of(0.3, 0.2, 0.3, 0.2);
    truncateTopP(probs, 1e-12, order);
    expect(Array.from(probs)).toEqual([1, 0, 0, 0]);
    const all = Float64Array.of(0.3, 0.2, 0.3, 0.2);
    truncateTopP(all, 1, order);
    expect(Array.from(all)).toEqual([0.3, 0.2, 0.3, 0.2]);
  });

  it('includes the value that crosses topP (0.5 + 0.25 reaches 0.75 exactly)', () => {
    const probs = Float64Array.of(0.5, 0.25, 0.125, 0.125);
    truncateTopP(probs, 0.75, order);
    expect(Array.from(probs)).toEqual([0.5 / 0.75, 0.25 / 0.75, 0, 0]);
  });

  it('rejects topP outside (0, 1]', () => {
    expect(() => truncateTopP(Float64Array.of(1), 0, order)).toThrow(/topP must lie in \(0, 1\]/);
    expect(() => truncateTopP(Float64Array.of(1), 1.1, order)).toThrow(/topP must lie in \(0, 1\]/);
  });
});

describe('sampling with topP and temperature', () => {
  // One position: every method draws from mu of the empty context, so the law is checkable exactly.
  const p = Float64Array.of(0.55, 0.3, 0.15);
  const single = createExactDenoiser({ vocabSize: 3, length: 1, probabilities: p });
  const options = { length: 1, batch: 20_000, steps: 4, schedule: linear({ eps: 0 }) };

  it('topP = 0.8 samples the renormalised nucleus {0, 1} (chi-square)', async () => {
    const out = await sample(single, { ...options, topP: 0.8, rng: createRng(1) });
    const counts = countSequences(out, 3, 3);
    expect(counts[2]).toBe(0);
    expect(chiSquareTest(counts.subarray(0, 2), [0.55 / 0.85, 0.3 / 0.85]).pValue).toBeGreaterThan(1e-3);
  });

  it('temperature 2 samples softmax(log p / 2) ∝ sqrt(p) (chi-square)', async () => {
    const out = await sample(single, { ...options, temperature: 2, rng: createRng(2) });
    const root = Array.from(p, Math.sqrt);
    const z = root.reduce((a, b) => a + b);
    const test = chiSquareTest(
      countSequences(out, 3, 3),
      root.map((r) => r / z),
    );
    expect(test.pValue).toBeGreaterThan(1e-3);
  });

  const V = 3;
  const L = 4;
  const joint = randomJoint(V, L, createRng(81).uniform.bind(createRng(81)), 2);
  const denoiser = createExactDenoiser(joint);
  const base = { length: L, batch: 64, steps: 12, schedule: linear() };

  it('a tiny topP is greedy: the same samples as temperature 0, whatever the method', async () => {
    for (const method of SAMPLE_METHODS) {
      const nucleus = await sample(denoiser, { ...base, method, topP: 1e-9, rng: createRng(3) });
      const greedy = await sample(denoiser, { ...base, method, temperature: 0, rng: createRng(3) });
      expect(nucleus).toEqual(greedy);
    }
  });

  it('temperature -> 0 tends to greedy: temperature 1e-3 gives the temperature-0 samples', async () => {
    const cold = await sample(denoiser, { ...base, temperature: 1e-3, rng: createRng(4) });
    const greedy = await sample(denoiser, { ...base, temperature: 0, rng: createRng(4) });
    expect(cold).toEqual(greedy);
  });

  it('greedy first-hitting reveals the argmax of the exact conditional at each step', async () => {
    const events: Int32Array[][] = [];
    await sample(denoiser, {
      ...base,
      batch: 8,
      method: 'first-hitting',
      temperature: 0,
      rng: createRng(5),
      onStep: (e) => events.push(e.tokens),
    });
    let previous: Int32Array[] = Array.from({ length: 8 }, () => new Int32Array(L).fill(V));
    for (const tokens of events) {
      tokens.forEach((x, b) => {
        const before = previous[b]!;
        const n = x.findIndex((v, i) => v !== before[i]);
        expect(x[n]).toBe(exactArgmax(joint, before, n));
      });
      previous = tokens;
    }
  });
});

function exactArgmax(joint: JointDistribution, xt: Int32Array, n: number): number {
  const probs = exactConditionals(joint, xt);
  const V = joint.vocabSize;
  let best = 0;
  for (let v = 1; v < V; v++) if (probs[n * V + v]! > probs[n * V + best]!) best = v;
  return best;
}
