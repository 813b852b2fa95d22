import type { Rng } from './rng';

/**
 * How a sampler draws a token from its distribution: 'float64' inverse-CDF draws (the default, exact
 * to float64), or 'float32' Gumbel-max as PyTorch samplers of masked diffusion models compute it,
 * only to measure what float64 protects against (see `sampleCategoricalFloat32`).
 */
export const SAMPLING_PRECISIONS = ['float64', 'float32'] as const;
/** One of SAMPLING_PRECISIONS. */
export type SamplingPrecision = (typeof SAMPLING_PRECISIONS)[number];

/** 2^24: float32 uniforms on [0, 1) take the values k / 2^24 (torch.rand's resolution). */
const FLOAT32_UNIFORM_STEPS = 2 ** 24;
const TINY = Math.fround(1e-10);

/**
 * A categorical draw the way a float32 Gumbel-max computes it (MDLM's `_sample_categorical` in
 * float32): with u_v float32 uniforms (k / 2^24) and every operation rounded to float32,
 *     argmax_v  p_v / (1e-10 - log(u_v + 1e-10)).
 * Exact arithmetic would make this a draw from p; in float32 the denominator -log u_v cannot fall
 * below -log(1 - 2^-24) ~ 6e-8 nor rise above ~23, so a value with p_v below ~3e-9 of the largest
 * is never drawn and the tail is thinned: generative perplexity drops, as does diversity
 * (Zheng et al., arXiv 2409.02908). One uniform per value. Returns -1 when every weight is 0.
 */
export function sampleCategoricalFloat32(
  weights: ArrayLike<number>,
  rng: Rng,
  offset = 0,
  count = weights.length - offset,
): number {
  const f = Math.fround;
  let best = -1;
  let bestScore = 0;
  for (let i = 0; i < count; i++) {
    const u = f(Math.floor(rng.uniform() * FLOAT32_UNIFORM_STEPS) / FLOAT32_UNIFORM_STEPS);
    const gumbelNorm = f(TINY - f(Math.log(f(u + TINY))));
    const score = f(f(weights[offset + i]!) / gumbelNorm);
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  return best;
}
