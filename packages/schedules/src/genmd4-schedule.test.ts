import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { genmd4Schedule, genmd4ScheduleFromJSON, inverseSoftplus } from './genmd4-schedule';

const softplus = (x: number) => Math.log1p(Math.exp(x));

describe('genmd4Schedule', () => {
  it('starts at w = 1 (alpha_{t,v} = 1 - (1 - eps) t) and takes another initial exponent', () => {
    const s = genmd4Schedule(4);
    expect(s.name).toBe('genmd4');
    expect(s.vocabSize).toBe(4);
    expect(s.rawExponents.shape).toEqual([4]);
    for (const w of s.exponentValues()) expect(w).toBeCloseTo(1, 6);
    expect(s.alpha(0, 2)).toBe(1);
    expect(s.alpha(0.3, 2)).toBeCloseTo(1 - (1 - 1e-4) * 0.3, 6);
    expect(s.alpha(1, 0)).toBeCloseTo(1e-4, 6);
    s.dispose();
    const t = genmd4Schedule(3, { initialExponent: 2.5, eps: 0 });
    for (const w of t.exponentValues()) expect(w).toBeCloseTo(2.5, 5);
    expect(t.alpha(0.5, 1)).toBeCloseTo(1 - 0.5 ** 2.5, 6);
    t.dispose();
  });

  it('computes w = softplus(w_raw) as a tensor whose gradient is sigmoid(w_raw)', () => {
    const s = genmd4Schedule(3);
    tf.tidy(() => s.rawExponents.assign(tf.tensor1d([-2, 0.5, 25])));
    const raw = [-2, 0.5, 25];
    const w = s.exponents();
    const values = w.dataSync();
    raw.forEach((x, v) => {
      expect(values[v]).toBeCloseTo(softplus(x), 5);
      expect(s.exponentValues()[v]).toBeCloseTo(softplus(x), 5);
    });
    const { grads, value } = tf.variableGrads(() => tf.sum(s.exponents()) as tf.Scalar, [s.rawExponents]);
    const g = grads[s.rawExponents.name]!.dataSync();
    raw.forEach((x, v) => {
      expect(g[v]).toBeCloseTo(1 / (1 + Math.exp(-x)), 6);
    });
    tf.dispose([w, value, grads]);
    s.dispose();
  });

  it('inverseSoftplus inverts softplus and rejects w <= 0', () => {
    for (const w of [1e-3, 0.5, 1, 5, 19.9, 30]) expect(softplus(inverseSoftplus(w))).toBeCloseTo(w, 12);
    expect(() => inverseSoftplus(0)).toThrow(/exponent must be > 0/);
  });

  it('round-trips through JSON, keeps trainable unless told, and leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const s = genmd4Schedule(5, { eps: 1e-3, initialExponent: 0.7 });
    tf.tidy(() => s.rawExponents.assign(tf.tensor1d([0.1, -0.3, 1.2, 2, -1])));
    const config = JSON.parse(JSON.stringify(s.toJSON()));
    const r = genmd4ScheduleFromJSON(config);
    expect(r.eps).toBe(1e-3);
    expect(r.rawExponents.trainable).toBe(true);
    expect(Array.from(r.exponentValues())).toEqual(Array.from(s.exponentValues()));
    expect(r.alpha(0.4, 3)).toBe(s.alpha(0.4, 3));
    const frozen = genmd4ScheduleFromJSON(config, { trainable: false });
    expect(frozen.rawExponents.trainable).toBe(false);
    for (const x of [s, r, frozen]) x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a bad vocabulary, time, token value or config', () => {
    expect(() => genmd4Schedule(0)).toThrow(/vocabSize must be a positive integer/);
    expect(() => genmd4Schedule(3, { eps: 0.7 })).toThrow(/eps must lie in/);
    const s = genmd4Schedule(3);
    expect(() => s.alpha(1.5, 0)).toThrow(/time t must lie in \[0, 1\]/);
    expect(() => s.alpha(0.5, 3)).toThrow(/token value 3 is outside \[0, 3\)/);
    s.dispose();
    expect(() => genmd4ScheduleFromJSON({ kind: 'linear' } as never)).toThrow(/kind: "genmd4"/);
    expect(() => genmd4ScheduleFromJSON({ kind: 'genmd4', eps: 1e-4, rawExponents: [] })).toThrow(
      /rawExponents/,
    );
    expect(() =>
      genmd4ScheduleFromJSON({ kind: 'genmd4', eps: 1e-4, rawExponents: [1, Number.NaN] }),
    ).toThrow(/must be finite/);
  });
});
