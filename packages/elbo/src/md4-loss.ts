import type { Denoiser, Rng } from '@md4/core';
import type { MaskingSchedule } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { drawUnitTimes } from './antithetic-times';
import { type CleanBatch, cleanBatch } from './clean-batch';
import { maskedPredictions } from './masked-predictions';
import { drawMask } from './masking';
import { md4ReconstructionNats, md4TimeWeights } from './md4-time-weights';
import type { TrainingLossResult } from './training-loss';
import { checkDenoiser, checkRng, checkTimesteps } from './validate-input';

/** Options of `md4Loss`. */
export interface Md4LossOptions {
  /** The masking schedule alpha(t). */
  schedule: MaskingSchedule;
  /** Source of the times and masks (float64). Consumed: times first, then masks row-major. */
  rng: Rng;
  /** A finite number of timesteps T (discrete-time ELBO); omitted: continuous time. */
  timesteps?: number | undefined;
  /** Stratified times t_b = (u + b/B) mod 1 (default true); false: iid times. */
  antithetic?: boolean | undefined;
}

/** The per-sequence one-sample NELBO in nats and the draws behind it. Internal. */
export function md4SequenceNelbo(
  denoiser: Denoiser,
  x0: tf.Tensor2D,
  x0Data: Int32Array,
  opts: { schedule: MaskingSchedule; rng: Rng; timesteps?: number | undefined; antithetic: boolean },
  what: string,
): { nelbo: tf.Tensor1D; times: Float64Array; maskedTokens: Int32Array; reconstructionNats: number } {
  const [B, L] = x0.shape;
  const V = denoiser.vocabSize;
  const units = drawUnitTimes(B, opts.rng, opts.antithetic);
  const { times, weights } = md4TimeWeights(opts.schedule, units, opts.timesteps);
  const maskProbability = times.map((t) => 1 - opts.schedule.alpha(t));
  const draw = drawMask(x0Data, B, L, V, opts.rng, (b) => maskProbability[b]!);
  const reconstructionNats = md4ReconstructionNats(opts.schedule, L, V);
  const nelbo = tf.tidy(() => {
    const { logMuAtX0, maskWeight } = maskedPredictions(denoiser, x0, draw, times, what);
    const crossEntropy = tf.neg(tf.sum(tf.mul(logMuAtX0, maskWeight), -1)); // [B] nats
    const weighted = tf.mul(crossEntropy, tf.tensor1d(Float32Array.from(weights)));
    return tf.add(weighted, reconstructionNats) as tf.Tensor1D;
  });
  return { nelbo, times, maskedTokens: draw.maskedTokens, reconstructionNats };
}

/**
 * The MD4 training loss: a one-sample Monte Carlo estimate of the negative ELBO in bits per token.
 *
 * Continuous time (paper eq. 5), per sequence in nats, one t per sequence:
 *     NELBO = -w(t) sum_{n: x_t^n = MASK} -log mu_theta(x_t, t)[n, x0^n]  +  L (1 - alpha(0)) log V
 * with w(t) = alpha'(t) / (1 - alpha(t)). Discrete time with T timesteps (paper eq. 3-4), t = i/T:
 *     NELBO_T = T (alpha_s - alpha_t) / (1 - alpha_t) sum_{masked} -log mu[x0]  +  recon,  s = t - 1/T.
 * `loss` = mean over the batch / (L ln 2) (`nelbo` the same value, apart from the gradient's tape;
 * `perSequence` in nats). Times are antithetic by default.
 *
 * @param x0 clean tokens in [0, V): an int32 [B, L] tensor (borrowed; read synchronously for the
 *   masks) or B sequences of length L (nothing read back).
 * @throws on token ids outside [0, V), a bad shape or dtype, bad timesteps, or logits not [B, L, V].
 */
export function md4Loss(denoiser: Denoiser, x0: CleanBatch, opts: Md4LossOptions): TrainingLossResult {
  const what = 'md4Loss';
  const V = checkDenoiser(denoiser, what);
  checkRng(opts?.rng, what);
  checkTimesteps(opts, what);
  if (opts.schedule?.kind !== 'scalar') {
    throw new TypeError(
      `${what}: opts.schedule must be a scalar MaskingSchedule (e.g. linear() from @md4/schedules); for GenMD4 use genmd4Loss`,
    );
  }
  const batch = cleanBatch(x0, V, what);
  try {
    const L = batch.tensor.shape[1];
    const { nelbo, times, maskedTokens, reconstructionNats } = md4SequenceNelbo(
      denoiser,
      batch.tensor,
      batch.data,
      {
        schedule: opts.schedule,
        rng: opts.rng,
        timesteps: opts.timesteps,
        antithetic: opts.antithetic ?? true,
      },
      what,
    );
    const loss = tf.tidy(() => tf.div(tf.mean(nelbo), L * Math.LN2) as tf.Scalar);
    return {
      loss,
      nelbo: tf.clone(loss),
      perSequence: nelbo,
      reconstruction: tf.scalar(reconstructionNats / (L * Math.LN2)),
      times,
      maskedTokens: [maskedTokens],
    };
  } finally {
    if (batch.owned) batch.tensor.dispose();
  }
}
