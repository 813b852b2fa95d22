import type { Denoiser, Rng } from '@md4/core';
import type { MaskingSchedule, StateDependentSchedule } from '@md4/schedules';
import { timeGrid } from '@md4/schedules';
import { initialTokens } from './prompt';
import type { StepEvent } from './step-event';

/** How masked tokens are revealed; see the README for each method's law. */
/** The reverse-process samplers, in the order tools list them (the one source of the names). */
export const SAMPLE_METHODS = ['ancestral', 'mean', 'confidence', 'first-hitting'] as const;
export type SampleMethod = (typeof SAMPLE_METHODS)[number];

export interface SampleOptions {
  /** Sequence length L (the network's length). */
  length: number;
  /** Number of sequences (default 1); with `prompt`, the prompt's length (a different value is an error). */
  batch?: number;
  /** Reverse steps T on the time grid (integer >= 1). `first-hitting` ignores it and may omit it. */
  steps?: number;
  /** alpha(t), or GenMD4's state-dependent schedule (then the GenMD4 reverse step is used). */
  schedule: MaskingSchedule | StateDependentSchedule;
  /** Time grid from 1 to 0: 'uniform' t_i = i/T (default) or 'cosine' t_i = cos(pi/2 (1 - i/T)). */
  grid?: 'uniform' | 'cosine';
  /** Default 'ancestral'. */
  method?: SampleMethod;
  /** Nucleus truncation of mu, in (0, 1] (default 1: none). */
  topP?: number;
  /** mu = softmax(logits / temperature), temperature >= 0 (default 1; 0 = greedy argmax). */
  temperature?: number;
  /** Per sequence, the fixed tokens with MASK (= V) at the positions to generate. Sets the batch. */
  prompt?: ArrayLike<number>[];
  /** Seeded generator for every random draw (float64 inverse-CDF categorical draws). */
  rng: Rng;
  /**
   * Called after every step with plain data; a returned promise is awaited before the next step.
   * Between steps the sampler lets the event loop turn about every 16 ms, so timers, UI and
   * `signal` stay live on every backend.
   */
  onStep?: (event: StepEvent) => unknown;
  /** Stops the run between steps; the promise rejects with an Error named 'AbortError'. */
  signal?: AbortSignal;
  /**
   * Reuse a sequence's last prediction while its tokens are unchanged (default true). Only used
   * when `denoiser.timeConditioned === false`, where it is exact.
   */
  cache?: boolean;
  /**
   * Leave out of a step's network call the sequences that reveal nothing in it (default true).
   * ancestral/mean draw which tokens unmask before the prediction is needed (the decision does
   * not depend on mu), so this is exact for any network; confidence skips steps whose quota is 0.
   */
  lazy?: boolean;
  /**
   * confidence only: scale of Gumbel noise added to log-confidence, annealed by t
   * (score = log mu_v + confidenceNoise * t * g), as MaskGIT's randomised ordering. Default 0.
   */
  confidenceNoise?: number;
}

/** Options after validation, as the sampler engines use them. */
export interface ResolvedOptions {
  vocabSize: number;
  length: number;
  method: SampleMethod;
  /** The scalar schedule's alpha, or null for GenMD4. */
  alpha: ((t: number) => number) | null;
  /** GenMD4 exponents w_v, or null for a scalar schedule. */
  exponents: Float64Array | null;
  /** steps+1 times from 1 to 0 (empty for first-hitting). */
  grid: Float64Array;
  topP: number;
  temperature: number;
  tokens: Int32Array[];
  rng: Rng;
  signal: AbortSignal | undefined;
  caching: boolean;
  lazy: boolean;
  confidenceNoise: number;
}

function isStateDependent(schedule: unknown): schedule is StateDependentSchedule {
  return (
    typeof schedule === 'object' &&
    schedule !== null &&
    typeof (schedule as StateDependentSchedule).exponentValues === 'function'
  );
}

/**
 * Checks every option and returns the sampler's working set.
 * @throws TypeError/RangeError naming the bad option and the fix.
 */
export function resolveSampleOptions(denoiser: Denoiser, opts: SampleOptions): ResolvedOptions {
  if (denoiser == null || typeof denoiser.logits !== 'function') {
    throw new TypeError(
      'sample needs a Denoiser: an object with vocabSize, timeConditioned and logits(xt, t)',
    );
  }
  if (opts == null || typeof opts !== 'object') throw new TypeError('sample needs an options object');
  const V = denoiser.vocabSize;
  if (!Number.isInteger(V) || V < 1)
    throw new RangeError(`denoiser.vocabSize must be an integer >= 1, got ${V}`);
  const { length } = opts;
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(`length must be an integer >= 1, got ${length}`);
  }
  const method = opts.method ?? 'ancestral';
  if (!SAMPLE_METHODS.includes(method)) {
    throw new RangeError(
      `method must be one of ${SAMPLE_METHODS.map((m) => `"${m}"`).join(', ')}, got "${method}"`,
    );
  }
  const { steps } = opts;
  const stepsUsed = method !== 'first-hitting';
  if ((stepsUsed || steps !== undefined) && !(Number.isInteger(steps) && steps! >= 1)) {
    throw new RangeError(`steps must be an integer >= 1, got ${steps}`);
  }
  const topP = opts.topP ?? 1;
  if (typeof topP !== 'number' || !(topP > 0 && topP <= 1)) {
    throw new RangeError(`topP must lie in (0, 1] (1 = no truncation), got ${topP}`);
  }
  const temperature = opts.temperature ?? 1;
  if (typeof temperature !== 'number' || !(temperature >= 0) || !Number.isFinite(temperature)) {
    throw new RangeError(`temperature must be a finite number >= 0 (0 = greedy), got ${temperature}`);
  }
  const confidenceNoise = opts.confidenceNoise ?? 0;
  if (!(confidenceNoise >= 0) || !Number.isFinite(confidenceNoise)) {
    throw new RangeError(`confidenceNoise must be a finite number >= 0, got ${confidenceNoise}`);
  }
  if (opts.rng == null || typeof opts.rng.uniform !== 'function') {
    throw new TypeError('rng must be an Rng (use createRng(seed) from @md4/core)');
  }
  const { schedule } = opts;
  let alpha: ResolvedOptions['alpha'] = null;
  let exponents: Float64Array | null = null;
  if (isStateDependent(schedule)) {
    if (schedule.vocabSize !== V) {
      throw new RangeError(
        `GenMD4 schedule has ${schedule.vocabSize} exponents but the denoiser has vocabSize ${V}`,
      );
    }
    if (method !== 'ancestral') {
      throw new RangeError(
        `method "${method}" needs a scalar schedule alpha(t); a GenMD4 schedule samples with its own ` +
          'reverse step: use method "ancestral" (the default)',
      );
    }
    exponents = schedule.exponentValues();
  } else if (schedule != null && typeof schedule.alpha === 'function') {
    alpha = (t: number) => schedule.alpha(t);
  } else {
    throw new TypeError(
      'schedule must be a MaskingSchedule (e.g. linear() from @md4/schedules) or a GenMD4 schedule',
    );
  }
  const grid = method === 'first-hitting' ? new Float64Array(0) : timeGrid(steps!, opts.grid ?? 'uniform');
  const tokens = initialTokens({ vocabSize: V, length, batch: opts.batch, prompt: opts.prompt });
  return {
    vocabSize: V,
    length,
    method,
    alpha,
    exponents,
    grid,
    topP,
    temperature,
    tokens,
    rng: opts.rng,
    signal: opts.signal,
    caching: (opts.cache ?? true) && denoiser.timeConditioned === false,
    lazy: opts.lazy ?? true,
    confidenceNoise,
  };
}
