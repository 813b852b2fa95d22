import type { MaskingSchedule } from '@md4/schedules';

/** Times and ELBO weights of a batch (float64). */
export interface Md4TimeWeights {
  /** The time t_b at which sequence b is masked (t = i/T in discrete time). */
  times: Float64Array;
  /** The weight of the masked cross-entropy: -w(t) or T (alpha_s - alpha_t) / (1 - alpha_t). */
  weights: Float64Array;
}

/**
 * Maps unit uniforms u_b in [0, 1) to times and loss weights.
 *
 * Continuous time (paper eq. 5): t = u, weight = -w(t) = -alpha'(t) / (1 - alpha(t)) > 0.
 * Discrete time with T timesteps (paper eq. 3-4): i = floor(u T) + 1 in 1..T, t = i/T, s = (i-1)/T,
 * weight = T (alpha_s - alpha_t) / (1 - alpha_t)  (the factor T turns the mean over i into the sum).
 */
export function md4TimeWeights(
  schedule: MaskingSchedule,
  units: Float64Array,
  timesteps?: number,
): Md4TimeWeights {
  const times = new Float64Array(units.length);
  const weights = new Float64Array(units.length);
  for (let b = 0; b < units.length; b++) {
    const u = units[b]!;
    if (timesteps === undefined) {
      // u = 0 has probability 2^-53; nudge it so that w(0) (infinite for poly k < 1) is never used.
      const t = u > 0 ? u : Number.EPSILON;
      times[b] = t;
      weights[b] = -schedule.weight(t);
    } else {
      const i = Math.min(timesteps, Math.floor(u * timesteps) + 1);
      const t = i / timesteps;
      const s = (i - 1) / timesteps;
      const alphaT = schedule.alpha(t);
      times[b] = t;
      weights[b] = (timesteps * (schedule.alpha(s) - alphaT)) / (1 - alphaT);
    }
  }
  return { times, weights };
}

/**
 * The reconstruction term in nats per sequence: L (1 - alpha(0)) log V. At t = 0 a token is still
 * masked with probability 1 - alpha(0) (= eps) and is then decoded uniformly.
 */
export function md4ReconstructionNats(schedule: MaskingSchedule, length: number, vocabSize: number): number {
  return length * (1 - schedule.alpha(0)) * Math.log(vocabSize);
}
