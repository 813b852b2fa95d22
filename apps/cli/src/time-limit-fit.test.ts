import { describe, expect, it } from 'vitest';
import { TimeLimitFit } from './time-limit-fit';

describe('TimeLimitFit', () => {
  it('measures once, after a tenth of the limit, and fits the steps left to the time left', () => {
    const fit = new TimeLimitFit(100, 0, 1000);
    expect(fit.fitted(49, 9.8)).toBeNull();
    // 50 steps in 10 s, 0.2 s a step: floor(0.97 x 90 / 0.2) = 436 more steps
    expect(fit.fitted(50, 10)).toBe(486);
    expect(fit.fitted(51, 10.2)).toBeNull();
  });

  it('keeps --steps when they fit, and never plans past a step already done', () => {
    // 0.05 s a step: 200 + floor(0.97 x 90 / 0.05) = 1946 would fit
    expect(new TimeLimitFit(100, 0, 1000).fitted(200, 10)).toBeNull();
    expect(new TimeLimitFit(100, 0, 1000).fitted(100, 150)).toBe(100); // past the limit already
  });

  it('counts a resumed session from its own first step', () => {
    const fit = new TimeLimitFit(60, 400, 1000);
    // 12 steps in 6 s: 0.5 s a step, floor(0.97 x 54 / 0.5) = 104 more
    expect(fit.fitted(412, 6)).toBe(516);
  });
});
