import type { Denoiser } from '@md4/core';
import { createSampler } from './create-sampler';
import { createStepPacer } from './event-loop-yield';
import type { SampleOptions } from './sample-options';
import type { SampleStats } from './sampler-state';
import type { StepEvent } from './step-event';

/** What `sampleSteps` returns when it finishes (the iterator's return value). */
export interface SampleResult extends SampleStats {
  /** The sampled sequences, one Int32Array of length L per sequence (tokens 0..V-1, owned by the caller). */
  tokens: Int32Array[];
}

/**
 * The streaming form of `sample`: an async iterator that takes one reverse step per `next()` and
 * yields its `StepEvent` (plain data; `onStep` is called too when given). Its return value (seen by
 * calling `next()` by hand) is the final tokens with the run's counters. Options are checked
 * before this returns (bad input throws here); an abort rejects the pending `next()`. Stopping early (`break`, `return()`) or an abort
 * leaves no tensors behind: none are held between steps.
 */
export function sampleSteps(
  denoiser: Denoiser,
  opts: SampleOptions,
): AsyncGenerator<StepEvent, SampleResult, undefined> {
  const sampler = createSampler(denoiser, opts);
  const pace = createStepPacer(opts.signal);
  return (async function* run() {
    while (await sampler.step()) {
      const event = sampler.event();
      await pace(opts.onStep?.(event));
      yield event;
    }
    return { tokens: sampler.tokens(), ...sampler.stats() };
  })();
}
