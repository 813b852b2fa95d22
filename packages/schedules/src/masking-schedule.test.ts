import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cosine } from './cosine-schedule';
import { geometric } from './geometric-schedule';
import { linear } from './linear-schedule';
import { DEFAULT_EPS, type MaskingSchedule } from './masking-schedule';
import { polynomial } from './polynomial-schedule';

const eps = DEFAULT_EPS;

/** Each schedule with its raw abar(t) written out independently from the paper's definitions. */
const cases: Array<{ schedule: MaskingSchedule; abar: (t: number) => number }> = [
  { schedule: linear(), abar: (t) => 1 - t },
  { schedule: cosine(), abar: (t) => 1 - Math.cos((Math.PI / 2) * (1 - t)) },
  { schedule: polynomial(3), abar: (t) => 1 - t ** 3 },
  { schedule: polynomial(0.5), abar: (t) => 1 - Math.sqrt(t) },
  { schedule: polynomial(2, { eps: 0.01 }), abar: (t) => 1 - t * t },
  { schedule: geometric(), abar: (t) => Math.exp(-(1e-5 ** (1 - t)) * 20 ** t) },
  { schedule: geometric({ betaMin: 0.1, betaMax: 5 }), abar: (t) => Math.exp(-(0.1 ** (1 - t)) * 5 ** t) },
];

const epsOf = (s: MaskingSchedule) => s.toJSON().eps;
const label = (s: MaskingSchedule) => `${s.name} ${JSON.stringify(s.toJSON())}`;

describe.each(cases)('schedule $schedule.name', ({ schedule, abar }) => {
  const e = epsOf(schedule);

  it('is alpha = (1 - 2 eps) abar + eps with the paper abar', () => {
    for (let i = 0; i <= 100; i++) {
      const t = i / 100;
      expect(schedule.alpha(t)).toBeCloseTo((1 - 2 * e) * abar(t) + e, 14);
    }
  });

  it('has alpha(0) = 1 - eps and alpha(1) = eps (geometric: abar(0) = exp(-betaMin))', () => {
    const config = schedule.toJSON();
    if (config.kind === 'geometric') {
      // abar(0) = exp(-betaMin), abar(1) = exp(-betaMax): the endpoints are 1 - eps, eps up to those.
      expect(schedule.alpha(0)).toBeCloseTo((1 - 2 * e) * Math.exp(-config.betaMin) + e, 15);
      expect(schedule.alpha(1)).toBeCloseTo((1 - 2 * e) * Math.exp(-config.betaMax) + e, 15);
      expect(Math.abs(schedule.alpha(0) - (1 - e))).toBeLessThanOrEqual(config.betaMin * 1.0001);
      expect(Math.abs(schedule.alpha(1) - e)).toBeLessThanOrEqual(Math.exp(-config.betaMax) * 1.0001);
    } else {
      expect(schedule.alpha(0)).toBeCloseTo(1 - e, 15);
      expect(schedule.alpha(1)).toBeCloseTo(e, 15);
    }
  });

  it("dalpha matches central finite differences (h = 1e-6, |error| < 1e-6 max(1, |alpha'|))", () => {
    let worst = 0;
    for (let i = 1; i < 200; i++) {
      const t = i / 200;
      const h = 1e-6;
      const fd = (schedule.alpha(t + h) - schedule.alpha(t - h)) / (2 * h);
      worst = Math.max(worst, Math.abs(schedule.dalpha(t) - fd) / Math.max(1, Math.abs(fd)));
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it("is strictly decreasing on a grid, with weight = alpha' / (1 - alpha) < 0 inside (0, 1)", () => {
    for (let i = 1; i <= 1000; i++) {
      const t = i / 1000;
      expect(schedule.alpha(t)).toBeLessThan(schedule.alpha(t - 1e-3));
      if (i < 1000) {
        expect(schedule.weight(t)).toBeLessThan(0);
        expect(schedule.weight(t)).toBeCloseTo(schedule.dalpha(t) / (1 - schedule.alpha(t)), 10);
      }
    }
  });

  it("property: alpha in [alpha(1), alpha(0)], monotone, alpha' <= 0 and matches finite differences", () => {
    const lo = schedule.alpha(1);
    const hi = schedule.alpha(0);
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (a, b) => {
          const [s, t] = a <= b ? [a, b] : [b, a];
          const alpha = schedule.alpha(t);
          return (
            alpha >= lo - 1e-15 &&
            alpha <= hi + 1e-15 &&
            schedule.alpha(s) >= alpha &&
            schedule.dalpha(t) <= 0 &&
            schedule.weight(t) <= 0
          );
        },
      ),
      { numRuns: 2000, seed: 1 },
    );
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 0.99, noNaN: true }), (t) => {
        const h = 1e-6;
        const fd = (schedule.alpha(t + h) - schedule.alpha(t - h)) / (2 * h);
        return Math.abs(schedule.dalpha(t) - fd) <= 1e-6 * Math.max(1, Math.abs(fd));
      }),
      { numRuns: 1000, seed: 2 },
    );
  });

  it('rejects t outside [0, 1] in alpha, dalpha and weight', () => {
    for (const bad of [-0.1, 1.000001, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => schedule.alpha(bad)).toThrow(/time t must lie in \[0, 1\]/);
      expect(() => schedule.dalpha(bad)).toThrow(/time t must lie in \[0, 1\]/);
      expect(() => schedule.weight(bad)).toThrow(/time t must lie in \[0, 1\]/);
    }
  });

  it(`serialises to JSON (${label(schedule)})`, () => {
    expect(JSON.parse(JSON.stringify(schedule.toJSON()))).toEqual(schedule.toJSON());
  });
});

describe('schedule properties over random eps', () => {
  it('keeps alpha(0) = 1 - eps, alpha(1) = eps for linear, cosine, polynomial', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 0.49, noNaN: true }),
        fc.double({ min: 0.1, max: 8, noNaN: true }),
        (e, k) => {
          return [linear({ eps: e }), cosine({ eps: e }), polynomial(k, { eps: e })].every(
            (s) => Math.abs(s.alpha(0) - (1 - e)) < 1e-15 && Math.abs(s.alpha(1) - e) < 1e-15,
          );
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });

  it('gives the linear weight in closed form: -(1 - 2 eps) / ((1 - 2 eps) t + eps)', () => {
    const s = linear();
    for (const t of [1e-6, 0.01, 0.3, 0.99, 1]) {
      expect(s.weight(t)).toBeCloseTo(-(1 - 2 * eps) / ((1 - 2 * eps) * t + eps), 8);
    }
    expect(linear({ eps: 0 }).weight(0.25)).toBe(-4);
  });
});

describe('bad schedule parameters', () => {
  it('rejects k <= 0 or non-finite, eps outside [0, 0.5), and bad geometric betas', () => {
    for (const k of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => polynomial(k)).toThrow(/polynomial degree k must be > 0/);
    }
    for (const e of [-0.1, 0.5, Number.NaN]) {
      expect(() => linear({ eps: e })).toThrow(/eps must lie in \[0, 0.5\)/);
      expect(() => cosine({ eps: e })).toThrow(/eps/);
    }
    expect(() => geometric({ betaMin: 5, betaMax: 1 })).toThrow(/0 < betaMin < betaMax/);
    expect(() => geometric({ betaMin: 0 })).toThrow(/0 < betaMin < betaMax/);
  });
});
