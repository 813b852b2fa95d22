import type { Denoiser, Rng } from '@md4/core';
import type { Schedule } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import type { CleanBatch } from './clean-batch';
import { genmd4Loss } from './genmd4-loss';
import { md4Loss } from './md4-loss';
import { checkTimesteps } from './validate-input';

/** What a training loss computes on one batch, for MD4 and GenMD4 alike. Every tensor belongs to the caller. */
export interface TrainingLossResult {
  /** The scalar to minimise, bits per token; differentiable. */
  loss: tf.Scalar;
  /**
   * The NELBO estimate to report, bits per token, reconstruction included: the value of `loss`
   * (GenMD4's loss adds a term of value 0 that carries the leave-one-out gradient of its schedule).
   */
  nelbo: tf.Scalar;
  /** The NELBO of each sequence in nats, reconstruction included, float32 [B]. */
  perSequence: tf.Tensor1D;
  /** The reconstruction term in bits per token (included in `nelbo`), the batch's mean. */
  reconstruction: tf.Scalar;
  /** The time each sequence was masked at (empty for the autoregressive loss). */
  times: Float64Array;
  /**
   * The masked tokens of each sequence, one array per mask drawn (MD4 draws one, GenMD4 two, the
   * autoregressive loss none).
   */
  maskedTokens: Int32Array[];
}

/** Frees the tensors of a loss result: loss, nelbo, perSequence, reconstruction. */
export function disposeLossResult(result: TrainingLossResult): void {
  tf.dispose([result.loss, result.nelbo, result.perSequence, result.reconstruction]);
}

/**
 * A training objective: the loss of a network on the clean batch x0 (borrowed), drawing from `rng`.
 * The network is a `Denoiser` for the masked diffusion losses (the default `M`), a
 * `NextTokenModel` for `autoregressiveLoss`.
 */
export type TrainingLoss<M = Denoiser> = (model: M, x0: CleanBatch, rng: Rng) => TrainingLossResult;

/**
 * The masked diffusion loss that fits `schedule`: `md4Loss` for a scalar schedule alpha(t) (with
 * `timesteps` T, the discrete-time ELBO), `genmd4Loss` for GenMD4's state-dependent one (whose
 * exponents receive gradients). Times are antithetic unless `antithetic` is false.
 */
export function maskedDiffusionLoss(
  schedule: Schedule,
  opts: { timesteps?: number | undefined; antithetic?: boolean | undefined } = {},
): TrainingLoss {
  checkTimesteps(opts, 'maskedDiffusionLoss');
  const { timesteps, antithetic } = opts;
  switch (schedule.kind) {
    case 'scalar':
      return (denoiser, x0, rng) => md4Loss(denoiser, x0, { schedule, rng, timesteps, antithetic });
    case 'genmd4':
      if (timesteps != null) {
        throw new RangeError('maskedDiffusionLoss: timesteps (discrete time) applies to the MD4 loss only');
      }
      return (denoiser, x0, rng) => genmd4Loss(denoiser, x0, { schedule, rng, antithetic });
    default: {
      const unknown: never = schedule;
      throw new TypeError(
        `maskedDiffusionLoss: unknown schedule kind ${JSON.stringify((unknown as Schedule).kind)}`,
      );
    }
  }
}
