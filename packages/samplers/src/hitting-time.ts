/**
 * The next jump time of the exact reverse process (first-hitting sampler, Zheng et al. 2024,
 * arXiv 2409.02908). Under the forward process a token masked at time t was masked at a time
 * tau <= t with P(tau <= s | masked at t) = (1 - alpha(s)) / (1 - alpha(t)), s in [0, t], independently
 * across tokens (paper eq. 1). With n tokens masked at t, the reverse process next unmasks one at
 * the largest of their n times, whose CDF is ((1 - alpha(s)) / (1 - alpha(t)))^n. Inverse-CDF draw:
 *
 *     1 - alpha(s) = u^(1/n) (1 - alpha(t)),  u ~ U(0, 1]
 *
 * solved for s by bisection (alpha is decreasing), to ~1e-15. When the right side falls below
 * 1 - alpha(0) (the eps atom of a squeezed schedule) the result is 0.
 *
 * @param alpha the masking schedule alpha(t), decreasing on [0, 1].
 * @param t current time, in (0, 1].
 * @param n number of masked tokens, >= 1.
 * @param u a uniform draw in [0, 1).
 */
export function nextHittingTime(alpha: (t: number) => number, t: number, n: number, u: number): number {
  if (!(t > 0 && t <= 1)) throw new RangeError(`hitting time: t must lie in (0, 1], got ${t}`);
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`hitting time: n must be an integer >= 1, got ${n}`);
  const v = 1 - u; // (0, 1]
  const target = 1 - v ** (1 / n) * (1 - alpha(t)); // alpha(s) to reach
  return timeAtAlpha(alpha, target, t);
}

/**
 * The time s in [0, upper] with alpha(s) = target, by bisection (alpha is decreasing), to ~1e-15:
 * the smallest s with alpha(s) <= target; 0 when target >= alpha(0), `upper` when target <= alpha(upper).
 */
export function timeAtAlpha(alpha: (t: number) => number, target: number, upper = 1): number {
  if (target >= alpha(0)) return 0;
  if (target <= alpha(upper)) return upper;
  let lo = 0; // alpha(lo) > target
  let hi = upper; // alpha(hi) <= target
  for (let i = 0; i < 100 && hi - lo > 1e-15; i++) {
    const mid = 0.5 * (lo + hi);
    if (alpha(mid) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}
