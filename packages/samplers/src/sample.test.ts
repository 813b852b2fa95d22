import { createRng } from '@md4/core';
import { createExactDenoiser, createUniformDenoiser, randomJoint } from '@md4/core/testing';
import { cosine, linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { sample, sampleWithStats } from './sample';
import type { SampleOptions } from './sample-options';
import { SAMPLE_METHODS } from './sample-options';
import type { StepEvent } from './step-event';

const V = 3;
const L = 4;
const joint = randomJoint(V, L, createRng(51).uniform.bind(createRng(51)), 2);
const denoiser = createExactDenoiser(joint);
const base = (seed: number): SampleOptions => ({
  length: L,
  batch: 16,
  steps: 10,
  schedule: linear(),
  rng: createRng(seed),
});

describe('sample: determinism and structure', () => {
  it('gives the same output for the same seed and different outputs for different seeds, for every method', async () => {
    for (const method of SAMPLE_METHODS) {
      const a = await sample(denoiser, { ...base(1), method });
      const b = await sample(denoiser, { ...base(1), method });
      const c = await sample(denoiser, { ...base(2), method });
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
      for (const x of a) {
        expect(x).toBeInstanceOf(Int32Array);
        expect(x).toHaveLength(L);
        for (const v of x) expect(v >= 0 && v < V).toBe(true);
      }
    }
  });

  it('defaults to batch 1 and returns fully unmasked sequences', async () => {
    const out = await sample(denoiser, { length: L, steps: 3, schedule: cosine(), rng: createRng(3) });
    expect(out).toHaveLength(1);
    expect(Array.from(out[0]!).every((v) => v < V)).toBe(true);
  });

  it('never changes fixed tokens: prefix, suffix, middle span and scattered positions, every method', async () => {
    const M = V;
    const prompts = [
      Int32Array.of(0, 1, M, M),
      Int32Array.of(M, M, 2, 2),
      Int32Array.of(M, 0, 1, M),
      Int32Array.of(2, M, 0, M),
      Int32Array.of(1, 1, 1, 1),
    ];
    for (const method of SAMPLE_METHODS) {
      const seen: StepEvent[] = [];
      const out = await sample(denoiser, {
        length: L,
        steps: 6,
        schedule: linear(),
        method,
        prompt: prompts,
        rng: createRng(4),
        onStep: (e) => seen.push(e),
      });
      out.forEach((x, b) => {
        prompts[b]!.forEach((v, n) => {
          if (v !== M) expect(x[n]).toBe(v);
        });
      });
      for (const e of seen) {
        for (const changes of [e.changed, e.remasked ?? []]) {
          changes.forEach((positions, b) => {
            for (const n of positions) expect(prompts[b]![n]).toBe(M);
          });
        }
      }
      expect(Array.from(prompts[4]!)).toEqual([1, 1, 1, 1]); // the caller's prompt is not written to
    }
  });

  it('returns the prompt unchanged (no steps, no calls) when nothing is masked', async () => {
    const events: StepEvent[] = [];
    const result = await sampleWithStats(denoiser, {
      ...base(5),
      batch: undefined,
      prompt: [Int32Array.of(0, 1, 2, 0)],
      onStep: (e) => events.push(e),
    });
    expect(result.tokens).toEqual([Int32Array.of(0, 1, 2, 0)]);
    expect(result.networkCalls).toBe(0);
    expect(events).toHaveLength(0);
  });
});

describe('sample: step events', () => {
  it('reports copies of the tokens, the positions revealed in each step, the time pair and the call count', async () => {
    const events: StepEvent[] = [];
    const out = await sample(denoiser, { ...base(6), onStep: (e) => events.push(e) });
    let previous: Int32Array[] = Array.from({ length: 16 }, () => new Int32Array(L).fill(V));
    events.forEach((event, i) => {
      expect(event.step).toBe(i);
      expect(event.t).toBeCloseTo(1 - i / 10, 12);
      expect(event.s).toBeCloseTo(1 - (i + 1) / 10, 12);
      event.tokens.forEach((x, b) => {
        const revealed = [];
        for (let n = 0; n < L; n++) {
          if (previous[b]![n] !== V)
            expect(x[n]).toBe(previous[b]![n]); // revealed tokens stay
          else if (x[n] !== V) revealed.push(n);
        }
        expect(Array.from(event.changed[b]!)).toEqual(revealed);
      });
      if (i > 0) expect(event.networkCalls).toBeGreaterThanOrEqual(events[i - 1]!.networkCalls);
      previous = event.tokens;
    });
    expect(events.at(-1)!.done).toBe(true);
    expect(events.at(-1)!.tokens).toEqual(out);
    events[0]!.tokens[0]![0] = 99; // copies: editing an event touches nothing else
    expect(events[1]!.tokens[0]![0]).not.toBe(99);
  });

  it('stops early once every position is revealed (fewer events than steps)', async () => {
    const events: StepEvent[] = [];
    await sample(denoiser, { ...base(7), batch: 1, steps: 1000, onStep: (e) => events.push(e) });
    expect(events.length).toBeLessThan(1000);
    expect(events.at(-1)!.done).toBe(true);
  });
});

describe('sample: network calls', () => {
  it('calls the network with t in a step t -> s, only for sequences that reveal something (lazy)', async () => {
    const times: number[] = [];
    const batches: number[] = [];
    const recording = {
      vocabSize: V,
      timeConditioned: true,
      logits(xt: tf.Tensor2D, t: tf.Tensor1D) {
        times.push(...t.dataSync());
        batches.push(xt.shape[0]);
        return denoiser.logits(xt, t);
      },
    };
    const events: StepEvent[] = [];
    await sample(recording, { ...base(8), batch: 4, steps: 50, onStep: (e) => events.push(e) });
    const grid = new Set(events.map((e) => Math.fround(e.t)));
    for (const t of times) expect(grid.has(t)).toBe(true);
    expect(batches.every((b) => b >= 1 && b <= 4)).toBe(true);
    expect(batches.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(4 * (L + 1));
  });

  it('lazy and eager runs draw identical samples; lazy needs far fewer sequence evaluations', async () => {
    const timed = { ...denoiser, timeConditioned: true }; // no caching: only laziness differs
    const options = { ...base(9), batch: 64, steps: 200 };
    const lazy = await sampleWithStats(timed, options);
    const eager = await sampleWithStats(timed, { ...options, rng: createRng(9), lazy: false });
    expect(lazy.tokens).toEqual(eager.tokens);
    console.info('lazy vs eager', { lazy: lazy.sequencesEvaluated, eager: eager.sequencesEvaluated });
    expect(eager.networkCalls).toBe(eager.steps);
    expect(lazy.sequencesEvaluated).toBeLessThanOrEqual(64 * (L + 1));
    expect(eager.sequencesEvaluated).toBeGreaterThan(5 * lazy.sequencesEvaluated);
  });

  it('leaves no tensors behind, for every method and for GenMD4-style eager runs', async () => {
    for (const method of SAMPLE_METHODS) {
      const before = tf.memory().numTensors;
      await sample(denoiser, { ...base(10), method });
      await sample(denoiser, { ...base(10), method, lazy: false, cache: false });
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});

describe('sample: bad input', () => {
  const cases: Array<[string, Partial<SampleOptions> & Record<string, unknown>, RegExp]> = [
    ['steps < 1', { steps: 0 }, /steps must be an integer >= 1, got 0/],
    ['fractional steps', { steps: 2.5 }, /steps must be an integer >= 1/],
    ['missing steps', { steps: undefined }, /steps must be an integer >= 1, got undefined/],
    ['topP = 0', { topP: 0 }, /topP must lie in \(0, 1\]/],
    ['topP > 1', { topP: 1.5 }, /topP must lie in \(0, 1\]/],
    ['negative temperature', { temperature: -1 }, /temperature must be a finite number >= 0/],
    ['length 0', { length: 0 }, /length must be an integer >= 1/],
    ['unknown method', { method: 'greedy' as never }, /method must be one of/],
    ['batch 0', { batch: 0 }, /batch must be an integer >= 1/],
    ['no rng', { rng: undefined as never }, /rng must be an Rng/],
    ['no schedule', { schedule: undefined as never }, /schedule must be a MaskingSchedule/],
    [
      'prompt of wrong length',
      { batch: undefined, prompt: [new Int32Array(3).fill(V)] },
      /prompt\[0\] has length 3 but length is 4/,
    ],
    [
      'prompt token above V',
      { batch: undefined, prompt: [Int32Array.of(0, 4, V, V)] },
      /prompt\[0\]: token 4 at index 1 is outside \[0, 3\]/,
    ],
    [
      'negative prompt token',
      { batch: undefined, prompt: [Int32Array.of(-1, V, V, V)] },
      /token -1 at index 0/,
    ],
    [
      'batch differing from the prompt',
      { batch: 3, prompt: [new Int32Array(4).fill(V)] },
      /batch 3 differs from the 1 prompt sequences/,
    ],
    ['empty prompt', { batch: undefined, prompt: [] }, /prompt must be a non-empty array/],
    ['negative confidenceNoise', { confidenceNoise: -1 }, /confidenceNoise must be a finite number >= 0/],
    ['transfer without confidence', { transfer: 'even' }, /transfer applies to method "confidence" only/],
    [
      'unknown transfer',
      { method: 'confidence', transfer: 'all' as never },
      /transfer must be one of "schedule", "even", "threshold"/,
    ],
    [
      'unknown rank',
      { method: 'confidence', rank: 'loss' as never },
      /rank must be one of "probability", "margin"/,
    ],
    [
      'threshold without its transfer',
      { method: 'confidence', threshold: 0.5 },
      /threshold applies to transfer "threshold" only/,
    ],
    [
      'threshold 1',
      { method: 'confidence', transfer: 'threshold', threshold: 1 },
      /threshold must lie in \(0, 1\)/,
    ],
    ['remask without remdm', { remask: { strategy: 'cap' } }, /remask applies to method "remdm" only/],
    [
      'unknown remask strategy',
      { method: 'remdm', remask: { strategy: 'all' } as never },
      /remask.strategy must be one of "cap", "rescale", "conf", "loop"/,
    ],
    [
      'eta above 1',
      { method: 'remdm', remask: { strategy: 'cap', eta: 2 } },
      /remask.eta must lie in \[0, 1\], got 2/,
    ],
    [
      'tOff above tOn',
      { method: 'remdm', remask: { strategy: 'loop', tOn: 0.3, tOff: 0.5 } },
      /remask.tOff \(0.5\) must be below remask.tOn \(0.3\)/,
    ],
    ['negative guidance', { guidance: -1 }, /guidance must be a finite number >= 0/],
    ['eos outside the vocabulary', { eos: 3 }, /eos must be a token id in \[0, 3\), got 3/],
    ['minLength without eos', { minLength: 2 }, /minLength needs eos/],
    ['minLength above length', { eos: 1, minLength: 5 }, /minLength must be an integer in \[0, length = 4\]/],
  ];
  for (const [name, patch, message] of cases) {
    it(`rejects ${name} with a clear message`, async () => {
      await expect(sample(denoiser, { ...base(1), ...patch } as SampleOptions)).rejects.toThrow(message);
    });
  }

  it('accepts a prompt that fixes V - 1 and a first-hitting run without steps', async () => {
    await expect(
      sample(denoiser, {
        ...base(1),
        batch: undefined,
        steps: undefined,
        method: 'first-hitting',
        prompt: [Int32Array.of(2, V, V, V)],
      }),
    ).resolves.toHaveLength(1);
  });

  it('rejects a denoiser that returns logits of the wrong shape, and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const broken = {
      vocabSize: V,
      timeConditioned: false,
      logits: (xt: tf.Tensor2D) => tf.zeros([xt.shape[0], L, V + 1]) as tf.Tensor3D,
    };
    await expect(sample(broken, base(1))).rejects.toThrow(
      /logits of shape \[\d+, 4, 4\], expected \[\d+, 4, 3\]/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('works with a uniform denoiser: every value about equally often', async () => {
    const out = await sample(createUniformDenoiser(V), {
      length: 8,
      batch: 300,
      steps: 20,
      schedule: linear(),
      rng: createRng(12),
    });
    const counts = [0, 0, 0];
    for (const x of out) for (const v of x) counts[v]!++;
    for (const c of counts) expect(Math.abs(c / 2400 - 1 / 3)).toBeLessThan(4 * Math.sqrt(2 / 9 / 2400));
  });
});
