import { createRng } from '@md4/core';
import { createExactDenoiser, createUniformDenoiser, randomJoint, sequenceAt } from '@md4/core/testing';
import { linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { BlockStepEvent } from './semi-autoregressive';
import { sampleLong } from './semi-autoregressive';
import { chiSquareTest, countSequences } from './test-support/chi-square';

const V = 3;
const W = 4;
const joint = randomJoint(V, W, createRng(111).uniform.bind(createRng(111)), 2);
const denoiser = createExactDenoiser(joint);
const M = V;

describe('sampleLong (semi-autoregressive blocks)', () => {
  it('samples x[0..4) ~ p, then x[4] from p(y3 | y0..2 = x[1..4)) (first-hitting, stride 1, chi-square, 243 cells)', async () => {
    const out = await sampleLong(denoiser, {
      length: 5,
      window: W,
      stride: 1,
      batch: 20_000,
      method: 'first-hitting',
      schedule: linear(),
      rng: createRng(1),
    });
    // law: p(x0..x3) * p(x1, x2, x3, x4) / sum_y p(x1, x2, x3, y)
    const law = new Float64Array(V ** 5);
    for (let index = 0; index < law.length; index++) {
      const x = sequenceAt(index, V, 5);
      const head = joint.probabilities[Math.floor(index / V)]!;
      const tailIndex = index % V ** 4;
      let context = 0;
      for (let y = 0; y < V; y++) context += joint.probabilities[tailIndex - x[4]! + y]!;
      law[index] = head * (joint.probabilities[tailIndex]! / context);
    }
    const test = chiSquareTest(countSequences(out, V, V ** 5), law);
    console.info('sampleLong, 5 tokens through a window of 4', test);
    expect(test.pValue).toBeGreaterThan(1e-3);
  });

  it('slides windows of `window` tokens by `stride`, keeping the generated context and the prompt', async () => {
    const events: BlockStepEvent[] = [];
    const prompt = [Int32Array.of(M, M, M, M, M, M, 2, M, M, 1), Int32Array.of(0, M, M, M, M, M, M, M, M, M)];
    const out = await sampleLong(denoiser, {
      length: 10,
      window: W,
      stride: 2,
      steps: 5,
      schedule: linear(),
      prompt,
      rng: createRng(2),
      onStep: (e) => events.push(e),
    });
    expect(out.map((x) => x.length)).toEqual([10, 10]);
    expect(out[0]![6]).toBe(2);
    expect(out[0]![9]).toBe(1);
    expect(out[1]![0]).toBe(0);
    // windows at offsets 0, 2, 4, 6
    expect([...new Set(events.map((e) => e.offset))]).toEqual([0, 2, 4, 6]);
    for (const e of events) {
      for (const x of e.tokens) expect(x).toHaveLength(W);
      // only the window's new part changes (positions >= window - stride after the first window)
      if (e.block > 0)
        for (const positions of e.changed) for (const n of positions) expect(n).toBeGreaterThanOrEqual(W - 2);
    }
    // the context a window saw is what the result keeps
    const last = events.filter((e) => e.block === 3).at(-1)!;
    expect(Array.from(last.tokens[0]!)).toEqual(Array.from(out[0]!.subarray(6, 10)));
  });

  it('stops a sequence after the window where eos appears and cuts it after the eos', async () => {
    const eos = 2;
    const out = await sampleLong(denoiser, {
      length: 40,
      window: W,
      stride: 2,
      batch: 16,
      steps: 4,
      schedule: linear(),
      eos,
      rng: createRng(3),
    });
    let stopped = 0;
    for (const x of out) {
      const first = Array.from(x).indexOf(eos);
      if (first >= 0) {
        expect(x.length).toBe(first + 1);
        stopped++;
      } else {
        expect(x.length).toBe(40);
      }
    }
    expect(stopped).toBeGreaterThan(0);
  });

  it('with minLength draws no eos before that position, in any window, and stops at the first after it', async () => {
    const eos = 2;
    const out = await sampleLong(createUniformDenoiser(V), {
      length: 40,
      window: W,
      stride: 2,
      batch: 64,
      steps: 4,
      schedule: linear(),
      eos,
      minLength: 11,
      rng: createRng(4),
    });
    for (const x of out) {
      expect(x.length).toBeGreaterThanOrEqual(12);
      expect(Array.from(x.subarray(0, 11))).not.toContain(eos);
    }
    // uniform over 3 values: the first eos at or after 11 comes within a few windows
    expect(out.filter((x) => x.length < 40).length).toBeGreaterThan(60);
  });

  it('is deterministic, leaks no tensors and rejects bad options', async () => {
    const before = tf.memory().numTensors;
    const opts = {
      length: 9,
      window: W,
      stride: 3,
      batch: 3,
      steps: 4,
      schedule: linear(),
      rng: createRng(4),
    };
    const a = await sampleLong(denoiser, opts);
    const b = await sampleLong(denoiser, { ...opts, rng: createRng(4) });
    expect(a).toEqual(b);
    expect(tf.memory().numTensors).toBe(before);
    await expect(sampleLong(denoiser, { ...opts, length: 3 })).rejects.toThrow(
      /length must be an integer >= window \(4\)/,
    );
    await expect(sampleLong(denoiser, { ...opts, stride: 5 })).rejects.toThrow(
      /stride must be an integer in \[1, window = 4\]/,
    );
    await expect(sampleLong(denoiser, { ...opts, eos: 3 })).rejects.toThrow(
      /eos must be a token id in \[0, 3\)/,
    );
    await expect(sampleLong(denoiser, { ...opts, window: 0 })).rejects.toThrow(
      /window must be an integer >= 1/,
    );
  });
});
