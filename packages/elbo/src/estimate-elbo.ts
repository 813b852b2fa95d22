import { assertTfjsSetUp, type Denoiser, type Rng } from '@md4/core';
import type { Schedule, StateDependentSchedule } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { flattenSequences } from './clean-batch';
import { genmd4Loss } from './genmd4-loss';
import { md4SequenceNelbo } from './md4-loss';
import { checkDenoiser, checkRng, checkTimesteps } from './validate-input';

/** Options of `estimateElbo`. */
export interface EstimateElboOptions {
  /** A scalar schedule (MD4 ELBO) or GenMD4's state-dependent schedule (GenMD4 ELBO, continuous time only). */
  schedule: Schedule;
  /** The source of the times and masks; advanced by the call (the same state gives the same estimate). */
  rng: Rng;
  /** A finite number of timesteps T; omitted: the continuous-time ELBO. */
  timesteps?: number | undefined;
  /** Independent (t, mask) draws per sequence (default 1); their mean is the sequence's estimate. */
  samples?: number | undefined;
  /** Antithetic times within each batch and draw (default true). */
  antithetic?: boolean | undefined;
}

/** The ELBO of a data set, as a bound on its negative log-likelihood. */
export interface ElboEstimate {
  /** Mean NELBO per token in bits (an upper bound on the data's bits per token), recon included. */
  bitsPerToken: number;
  /** Standard error of `bitsPerToken`, with the sequence (its samples averaged) as the unit; NaN for one sequence. */
  stderr: number;
  /** Data tokens counted once (not times `samples`). */
  tokens: number;
  /** Number of sequences. */
  sequences: number;
  /** 2^bitsPerToken. */
  perplexity: number;
  /**
   * The reconstruction term in bits per token (included in `bitsPerToken`): (1 - alpha(0)) log2 V
   * for MD4 schedules; for GenMD4 the mean over the data of sum_n (1 - eps) t1^{w_{x0^n}} log2 V / L,
   * the mass still masked at t1 (see `genmd4Loss`).
   */
  reconstruction: number;
}

/** Either kind of batch source. */
export type BatchSource<T> = Iterable<T> | AsyncIterable<T>;

/**
 * Estimates the negative ELBO of a data set in bits per token (DESIGN section 3). Each item of
 * `data` is one batch: an array of sequences of one length L, token ids in [0, V). For every batch
 * and each of `samples` draws, one time per sequence (antithetic within the batch) and one mask;
 * a sequence's estimate is the mean of its draws. Sequences of different batches may differ in
 * length: bitsPerToken = sum of NELBOs / (tokens ln 2), and stderr is the ratio estimator's
 * standard error sqrt(sum_i (nelbo_i - R L_i)^2 / (n (n - 1))) / (mean L ln 2), R = nats per token,
 * which is sd(bits_i) / sqrt(n) when all lengths are equal.
 *
 * Leaves no tensors behind. Works with arrays, generators and async generators of batches.
 */
export async function estimateElbo(
  denoiser: Denoiser,
  data: BatchSource<ReadonlyArray<ArrayLike<number>>>,
  opts: EstimateElboOptions,
): Promise<ElboEstimate> {
  const what = 'estimateElbo';
  assertTfjsSetUp(what);
  const V = checkDenoiser(denoiser, what);
  checkRng(opts?.rng, what);
  checkTimesteps(opts, what);
  const { schedule } = opts;
  if (schedule?.kind !== 'scalar' && schedule?.kind !== 'genmd4') {
    throw new TypeError(
      `${what}: opts.schedule must be a Schedule of kind "scalar" (e.g. linear() from @md4/schedules) or "genmd4" (genmd4Schedule)`,
    );
  }
  if (schedule.kind === 'genmd4' && opts.timesteps != null) {
    throw new RangeError(`${what}: the GenMD4 ELBO is continuous-time; omit timesteps`);
  }
  const samples = opts.samples ?? 1;
  if (!Number.isInteger(samples) || samples < 1) {
    throw new RangeError(`${what}: samples must be an integer >= 1, got ${samples}`);
  }
  if (
    data == null ||
    (typeof (data as Iterable<unknown>)[Symbol.iterator] !== 'function' &&
      typeof (data as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function')
  ) {
    throw new TypeError(
      `${what}: data must be an iterable or async iterable of batches (arrays of sequences)`,
    );
  }
  const nats: number[] = [];
  const lengths: number[] = [];
  const reconstruction = { bits: 0, batches: 0 };
  let batchIndex = 0;
  for await (const batch of data) {
    const x0Data = flattenSequences(batch, V, `${what}: batch ${batchIndex}`);
    const B = batch.length;
    const L = x0Data.length / B;
    // The MD4 loss takes the batch as a tensor too; GenMD4's is given the sequences (no readback).
    const x0 = schedule.kind === 'scalar' ? tf.tensor2d(x0Data, [B, L], 'int32') : null;
    try {
      const sums = new Float64Array(B);
      for (let s = 0; s < samples; s++) {
        const { perSequence, reconstructionBits } =
          schedule.kind === 'genmd4'
            ? genmd4SequenceNelbo(denoiser, batch, schedule, opts)
            : {
                perSequence: md4SequenceNelbo(
                  denoiser,
                  x0!,
                  x0Data,
                  {
                    schedule,
                    rng: opts.rng,
                    timesteps: opts.timesteps,
                    antithetic: opts.antithetic ?? true,
                  },
                  what,
                ).nelbo,
                reconstructionBits: null,
              };
        try {
          const values = await perSequence.data();
          for (let b = 0; b < B; b++) sums[b]! += values[b]!;
          if (reconstructionBits != null) {
            reconstruction.bits += (await reconstructionBits.data())[0]!;
            reconstruction.batches += 1;
          }
        } finally {
          tf.dispose([perSequence, reconstructionBits as tf.Scalar | null] as tf.TensorContainer);
        }
      }
      for (let b = 0; b < B; b++) {
        nats.push(sums[b]! / samples);
        lengths.push(L);
      }
    } finally {
      x0?.dispose();
    }
    batchIndex++;
  }
  if (nats.length === 0) throw new RangeError(`${what}: data holds no batches`);
  const reconstructionBits =
    schedule.kind === 'genmd4'
      ? reconstruction.bits / reconstruction.batches
      : ((1 - schedule.alpha(0)) * Math.log(V)) / Math.LN2;
  return summariseNats(nats, lengths, reconstructionBits);
}

/**
 * Per-sequence GenMD4 NELBO in nats (the mean of its two masks' pathwise losses plus the
 * reconstruction term; see `genmd4Loss`) and the batch's reconstruction term in bits per token,
 * both owned by the caller. The sequences go to the loss as arrays, so no tokens are read back.
 */
function genmd4SequenceNelbo(
  denoiser: Denoiser,
  batch: ReadonlyArray<ArrayLike<number>>,
  schedule: StateDependentSchedule,
  opts: EstimateElboOptions,
): { perSequence: tf.Tensor1D; reconstructionBits: tf.Scalar } {
  const result = genmd4Loss(denoiser, batch, {
    schedule,
    rng: opts.rng,
    antithetic: opts.antithetic ?? true,
  });
  tf.dispose([result.loss, result.nelbo]);
  return { perSequence: result.perSequence, reconstructionBits: result.reconstruction };
}

/**
 * Bits per token, its ratio-estimator standard error and perplexity from per-sequence nats and
 * lengths (see `estimateElbo`). Internal (also `estimateAutoregressiveNll`'s).
 */
export function summariseNats(nats: number[], lengths: number[], reconstructionBits: number): ElboEstimate {
  const n = nats.length;
  let totalNats = 0;
  let tokens = 0;
  for (let i = 0; i < n; i++) {
    totalNats += nats[i]!;
    tokens += lengths[i]!;
  }
  const natsPerToken = totalNats / tokens;
  const bitsPerToken = natsPerToken / Math.LN2;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (nats[i]! - natsPerToken * lengths[i]!) ** 2;
  const stderr = n > 1 ? Math.sqrt(squares / (n * (n - 1))) / (tokens / n) / Math.LN2 : Number.NaN;
  return {
    bitsPerToken,
    stderr,
    tokens,
    sequences: n,
    perplexity: 2 ** bitsPerToken,
    reconstruction: reconstructionBits,
  };
}
