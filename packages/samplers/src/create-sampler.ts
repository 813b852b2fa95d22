import { assertTfjsSetUp, type Denoiser } from '@md4/core';
import { FirstHittingSampler } from './first-hitting';
import { GridSampler } from './grid-sampler';
import type { SampleOptions } from './sample-options';
import { resolveSampleOptions } from './sample-options';
import type { Sampler } from './sampler-state';

/** Validates the options and builds the step engine for the method (throws synchronously on bad input). */
export function createSampler(denoiser: Denoiser, opts: SampleOptions): Sampler {
  assertTfjsSetUp('sample');
  const options = resolveSampleOptions(denoiser, opts);
  return options.method === 'first-hitting'
    ? new FirstHittingSampler(denoiser, options)
    : new GridSampler(denoiser, options);
}
