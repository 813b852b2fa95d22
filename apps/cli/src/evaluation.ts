import { createRng, type Denoiser } from '@md4/core';
import { evalBatches, type TokenDataset } from '@md4/datasets';
import { type ElboEstimate, estimateElbo } from '@md4/elbo';
import type { Schedule } from '@md4/schedules';

/** Options of `evaluateSplit`. */
export interface EvaluationOptions {
  schedule: Schedule;
  batchSize: number;
  /** Evaluate at most this many batches (default: the whole split). */
  maxBatches?: number;
  /** Finite T, or undefined for continuous time. */
  timesteps?: number;
  samples?: number;
  seed: number;
}

/** The ELBO of a split in bits/token, over its non-overlapping chunks in order. */
export async function evaluateSplit(
  denoiser: Denoiser,
  dataset: TokenDataset,
  opts: EvaluationOptions,
): Promise<ElboEstimate> {
  const batches = evalBatches(dataset, {
    batchSize: opts.batchSize,
    ...(opts.maxBatches != null ? { maxChunks: opts.maxBatches * opts.batchSize } : {}),
  });
  return estimateElbo(denoiser, batches, {
    schedule: opts.schedule,
    rng: createRng(opts.seed),
    ...(opts.timesteps != null ? { timesteps: opts.timesteps } : {}),
    ...(opts.samples != null ? { samples: opts.samples } : {}),
  } as Parameters<typeof estimateElbo>[2]);
}
