import type { Denoiser } from '@md4/core';
import { throwIfAborted } from './abort';
import { createSampler } from './create-sampler';
import { createStepPacer } from './event-loop-yield';
import type { SampleOptions } from './sample-options';
import type { SampleResult } from './sample-steps';

/**
 * Samples `batch` sequences of `length` tokens from a masked diffusion model by running the reverse
 * process from all-MASK (or from `prompt`) to t = 0 (DESIGN section 3; MD4 paper Alg. 2). Only
 * MASK positions change. The network is called with t in a step t -> s, only for sequences that
 * need a prediction. Every random draw is a float64 draw from `rng`, so a seed fixes the output on
 * any backend (up to the network's own numerics).
 *
 * @returns the sampled sequences (Int32Array of length L each).
 * @throws (rejects) RangeError/TypeError on bad options; an Error named 'AbortError' on abort.
 */
export async function sample(denoiser: Denoiser, opts: SampleOptions): Promise<Int32Array[]> {
  return (await sampleWithStats(denoiser, opts)).tokens;
}

/** `sample` that also returns the run's counters (steps taken, network calls, sequences evaluated, cache hits). */
export async function sampleWithStats(denoiser: Denoiser, opts: SampleOptions): Promise<SampleResult> {
  throwIfAborted(opts?.signal);
  const sampler = createSampler(denoiser, opts);
  const pace = createStepPacer(opts.signal);
  while (await sampler.step()) await pace(opts.onStep?.(sampler.event()));
  return { tokens: sampler.tokens(), ...sampler.stats() };
}
