import type { Denoiser, Rng } from '@md4/core';
import { genmd4LogMaskLikelihood, genmd4TokenExponents, type StateDependentSchedule } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { drawUnitTimes } from './antithetic-times';
import { type CleanBatch, cleanBatch } from './clean-batch';
import { maskedPredictions } from './masked-predictions';
import { drawMask, type MaskDraw } from './masking';
import { stopGradient } from './stop-gradient';
import type { TrainingLossResult } from './training-loss';
import { checkDenoiser, checkRng } from './validate-input';

/** Options of `genmd4Loss`. */
export interface Genmd4LossOptions {
  /** The learnable state-dependent schedule (its w_raw receives gradients). */
  schedule: StateDependentSchedule;
  /** Source of the times and masks. Consumed: times, then mask 1 row-major, then mask 2. */
  rng: Rng;
  /** Times are drawn from U[t1, 1] (default 1e-3); [0, t1) is covered by a reconstruction term. */
  t1?: number;
  /** Stratified times (default true). */
  antithetic?: boolean | undefined;
}

/**
 * The GenMD4 loss (paper section 5 and App. H, DESIGN section 2) for a learnable schedule
 * alpha_{t,v} = 1 - (1 - eps) t^{w_v}, w = softplus(w_raw).
 *
 * One t ~ U[t1, 1] per sequence and two independent masks z1, z2 at that t. Per mask, in nats:
 *     P_k = (1 - t1) sum_{n masked in z_k} (1/t) [ sum_v w_v mu_v - w_{x0^n} (1 + log mu_{x0^n}) ]
 * (the factor 1 - t1 makes (1 - t1) E_{t ~ U[t1,1]} an unbiased estimate of the integral over [t1, 1]).
 * The part of the time integral below t1 is replaced by a reconstruction term at t1: a token still
 * masked at t1 (probability (1 - eps) t1^{w_{x0}}) is decoded uniformly, costing log V, so
 *     R = sum_n (1 - eps) t1^{w_{x0^n}} log V       (computed exactly, no sampling).
 * P_k + R is an unbiased one-sample estimate of a valid NELBO (that of the model which stops the
 * reverse process at t1 and fills leftover masks uniformly); it exceeds the t1 -> 0 bound by at most
 * ~ (1 - eps) t1 log V per token (0.003 nats for V = 27, t1 = 1e-3).
 *
 *     nelbo     = (P_1 + P_2) / 2 + R
 *     surrogate = nelbo + 0.5 stopgrad(P_1 - P_2) (d - stopgrad(d)),  d = log q(z_1|x0) - log q(z_2|x0)
 * The second term is REINFORCE with the leave-one-out baseline (K = 2): its gradient is the
 * score-function part of d E[nelbo] / d w, the network gets no gradient from it, and subtracting
 * stopgrad(d) makes its value 0, so `loss` and `nelbo` have the same value and differ only in gradient. Pathwise gradients
 * reach the network through mu and w through the integrand and R. Both are reported per token in
 * bits: divided by L ln 2 and averaged over the batch.
 *
 * @param x0 clean tokens in [0, V): an int32 [B, L] tensor (borrowed; read synchronously for the
 *   masks) or B sequences of length L (nothing read back).
 */
export function genmd4Loss(denoiser: Denoiser, x0: CleanBatch, opts: Genmd4LossOptions): TrainingLossResult {
  const what = 'genmd4Loss';
  const V = checkDenoiser(denoiser, what);
  checkRng(opts?.rng, what);
  const { schedule } = opts;
  if (schedule?.kind !== 'genmd4') {
    throw new TypeError(
      `${what}: opts.schedule must be a GenMD4 schedule (genmd4Schedule(V) from @md4/schedules)`,
    );
  }
  if (schedule.vocabSize !== V) {
    throw new RangeError(
      `${what}: the schedule has ${schedule.vocabSize} exponents but the denoiser's vocabSize is ${V}; ` +
        'build the schedule with genmd4Schedule(denoiser.vocabSize)',
    );
  }
  const t1 = opts.t1 ?? 1e-3;
  if (!(t1 >= 0 && t1 < 1)) throw new RangeError(`${what}: t1 must lie in [0, 1), got ${t1}`);
  const batch = cleanBatch(x0, V, what);
  try {
    return genmd4BatchLoss(denoiser, batch.tensor, batch.data, { ...opts, schedule, t1 }, what);
  } finally {
    if (batch.owned) batch.tensor.dispose();
  }
}

/** `genmd4Loss` of a checked batch: x0 and its values x0Data. */
function genmd4BatchLoss(
  denoiser: Denoiser,
  x0: tf.Tensor2D,
  x0Data: Int32Array,
  opts: Genmd4LossOptions & { t1: number },
  what: string,
): TrainingLossResult {
  const { schedule, t1 } = opts;
  const V = denoiser.vocabSize;
  const [B, L] = x0.shape;
  const eps = schedule.eps;

  const units = drawUnitTimes(B, opts.rng, opts.antithetic ?? true);
  const times = units.map((u) => t1 + (1 - t1) * u);
  for (let b = 0; b < B; b++) if (times[b] === 0) times[b] = Number.EPSILON; // u = 0 with t1 = 0
  const w = schedule.exponentValues();
  const maskProbability = (b: number, n: number) => (1 - eps) * times[b]! ** w[x0Data[b * L + n]!]!;
  const draws: [MaskDraw, MaskDraw] = [
    drawMask(x0Data, B, L, V, opts.rng, maskProbability),
    drawMask(x0Data, B, L, V, opts.rng, maskProbability),
  ];

  const [loss, nelbo, perSequence, reconstruction] = tf.tidy(() => {
    const exponents = schedule.exponents(); // [V], differentiable in w_raw
    const tokenExponents = genmd4TokenExponents(schedule, x0); // w_{x0^n}, [B, L]
    const inverseTime = tf.tensor2d(
      Float32Array.from(times, (t) => 1 / t),
      [B, 1],
    );
    const t = tf.tensor1d(Float32Array.from(times));
    const pathwise = draws.map((draw) => {
      const { logMu, logMuAtX0, maskWeight } = maskedPredictions(denoiser, x0, draw, times, what);
      const meanExponent = tf.sum(tf.mul(tf.exp(logMu), exponents), -1); // sum_v w_v mu_v, [B, L]
      const integrand = tf.sub(meanExponent, tf.mul(tokenExponents, tf.add(1, logMuAtX0)));
      const perToken = tf.mul(tf.mul(integrand, inverseTime), maskWeight);
      return tf.mul(tf.sum(perToken, -1), 1 - t1) as tf.Tensor1D; // P_k, [B] nats
    }) as [tf.Tensor1D, tf.Tensor1D];
    const recon =
      t1 > 0
        ? tf.mul(tf.sum(tf.exp(tf.mul(tokenExponents, Math.log(t1))), -1), (1 - eps) * Math.log(V))
        : tf.zeros([B]);
    const perSeq = tf.add(tf.mul(tf.add(pathwise[0], pathwise[1]), 0.5), recon) as tf.Tensor1D;
    const logQ = draws.map((draw) =>
      genmd4LogMaskLikelihood(schedule, x0, tf.tensor2d(draw.mask, [B, L], 'int32'), t),
    );
    // 0.5 stopgrad(P1 - P2) (d - stopgrad(d)), d = log q(z1) - log q(z2): value 0, gradient RLOO.
    const advantage = stopGradient(tf.sub(pathwise[0], pathwise[1]));
    const scoreDifference = tf.sub(logQ[0]!, logQ[1]!);
    const centred = tf.sub(scoreDifference, stopGradient(scoreDifference));
    const reinforce = tf.mul(tf.mul(advantage, centred), 0.5);
    const perTokenBits = L * Math.LN2;
    return [
      tf.div(tf.mean(tf.add(perSeq, reinforce)), perTokenBits) as tf.Scalar,
      tf.div(tf.mean(perSeq), perTokenBits) as tf.Scalar,
      perSeq,
      tf.div(tf.mean(recon), perTokenBits) as tf.Scalar,
    ];
  });
  return {
    loss,
    nelbo,
    perSequence,
    reconstruction,
    times,
    maskedTokens: [draws[0].maskedTokens, draws[1].maskedTokens],
  };
}
