import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { cosine } from './cosine-schedule';
import { genmd4Schedule } from './genmd4-schedule';
import { geometric } from './geometric-schedule';
import { linear } from './linear-schedule';
import type { MaskingSchedule, ScheduleConfig } from './masking-schedule';
import { parseSchedule, scheduleFromJSON } from './parse-schedule';
import { polynomial } from './polynomial-schedule';

const same = (a: MaskingSchedule, b: MaskingSchedule) => {
  expect(b.name).toBe(a.name);
  expect(b.toJSON()).toEqual(a.toJSON());
  for (let i = 0; i <= 20; i++) {
    expect(b.alpha(i / 20)).toBe(a.alpha(i / 20));
    expect(b.dalpha(i / 20)).toBe(a.dalpha(i / 20));
  }
};

describe('parseSchedule', () => {
  it('reads every schedule name back', () => {
    for (const s of [linear(), cosine(), polynomial(3), polynomial(0.5), polynomial(1e-7), geometric()]) {
      same(s, parseSchedule(s.name));
    }
  });

  it('accepts case, whitespace, "polynomialK" and an eps option', () => {
    same(polynomial(2), parseSchedule(' Polynomial2 '));
    same(cosine({ eps: 1e-3 }), parseSchedule('COSINE', { eps: 1e-3 }));
  });

  it('rejects unknown names and a zero degree, listing the valid specs', () => {
    expect(() => parseSchedule('quadratic')).toThrow(
      /unknown schedule "quadratic"; expected "linear", "cosine", "polyK" .* or "geometric"/,
    );
    expect(() => parseSchedule('')).toThrow(/unknown schedule ""/);
    expect(() => parseSchedule('poly-1')).toThrow(/unknown schedule/);
    expect(() => parseSchedule('poly0')).toThrow(/polynomial degree must be > 0/);
  });
});

describe('scheduleFromJSON', () => {
  it('round-trips toJSON through JSON text, non-default parameters included', () => {
    for (const s of [
      linear({ eps: 0 }),
      cosine(),
      polynomial(2.5, { eps: 0.01 }),
      geometric(),
      geometric({ eps: 1e-3, betaMin: 0.01, betaMax: 8 }),
    ]) {
      same(s, scheduleFromJSON(JSON.parse(JSON.stringify(s.toJSON())) as ScheduleConfig));
    }
  });

  it('rebuilds either kind: the tag says which, and dispose frees what it holds', () => {
    const genmd4 = genmd4Schedule(4, { initialExponent: 2 });
    const before = tf.memory().numTensors;
    const restored = scheduleFromJSON(JSON.parse(JSON.stringify(genmd4.toJSON())) as unknown);
    expect(restored.kind).toBe('genmd4');
    if (restored.kind !== 'genmd4') throw new Error('unreachable');
    expect(Array.from(restored.exponentValues())).toEqual(Array.from(genmd4.exponentValues()));
    expect(tf.memory().numTensors).toBe(before + 1);
    restored.dispose();
    genmd4.dispose();
    const scalar = scheduleFromJSON({ kind: 'cosine', eps: 1e-4 } as unknown);
    expect(scalar.kind).toBe('scalar');
    scalar.dispose(); // nothing to free, and no error
    expect(tf.memory().numTensors).toBe(before - 1);
  });

  it('rejects configs without a known kind or with bad parameters', () => {
    expect(() => scheduleFromJSON(null)).toThrow(/must be an object with a "kind"/);
    expect(() => scheduleFromJSON('linear')).toThrow(/must be an object/);
    expect(() => scheduleFromJSON({ kind: 'sigmoid' })).toThrow(/unknown schedule kind "sigmoid"/);
    expect(() => scheduleFromJSON({ kind: 'polynomial', eps: 1e-4 })).toThrow(
      /degree k must be > 0, got NaN/,
    );
    expect(() => scheduleFromJSON({ kind: 'linear', eps: 2 })).toThrow(/eps must lie in/);
  });
});
