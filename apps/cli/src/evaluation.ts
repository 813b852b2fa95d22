import { createRng } from '@md4/core';
import { evalBatches, type TokenDataset } from '@md4/datasets';
import { type ElboEstimate, estimateAutoregressiveNll, estimateElbo } from '@md4/elbo';
import { type Network, objectiveOf } from '@md4/models';
import type { Schedule } from '@md4/schedules';

/** Options of `evaluateSplit`. */
export interface EvaluationOptions {
  schedule: Schedule;
  batchSize: number;
  /** Evaluate at most this many batches (default: the whole split). */
  maxBatches?: number;
  /** Finite T, or undefined for continuous time (masked diffusion only). */
  timesteps?: number;
  samples?: number;
  seed: number;
}

/**
 * A split's bits per token over its non-overlapping chunks in order: the ELBO of a masked diffusion
 * model (Monte Carlo, seeded), the exact likelihood of an autoregressive one.
 */
export async function evaluateSplit(
  model: Network,
  dataset: TokenDataset,
  opts: EvaluationOptions,
): Promise<ElboEstimate> {
  const batches = evalBatches(dataset, {
    batchSize: opts.batchSize,
    ...(opts.maxBatches != null ? { maxChunks: opts.maxBatches * opts.batchSize } : {}),
  });
  const objective = objectiveOf(model, opts.schedule);
  switch (objective) {
    case 'ar':
      return estimateAutoregressiveNll(model, batches);
    case 'md4':
    case 'genmd4':
      return estimateElbo(model, batches, {
        schedule: opts.schedule,
        rng: createRng(opts.seed),
        ...(opts.timesteps != null ? { timesteps: opts.timesteps } : {}),
        ...(opts.samples != null ? { samples: opts.samples } : {}),
      } as Parameters<typeof estimateElbo>[2]);
    default: {
      const unknown: never = objective;
      throw new Error(`evaluateSplit: unknown objective ${JSON.stringify(unknown)}`);
    }
  }
}
