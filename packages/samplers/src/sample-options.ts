import { type Denoiser, type Rng, SAMPLING_PRECISIONS, type SamplingPrecision } from '@md4/core';
import type { Schedule } from '@md4/schedules';
import { timeGrid } from '@md4/schedules';
import type { TransferPolicy } from './confidence-step';
import { initialTokens } from './prompt';
import type { RemaskOptions } from './remdm-step';
import { REMASK_STRATEGIES } from './remdm-step';
import type { StepEvent } from './step-event';
import type { TransferCount, TransferRank } from './transfer-policy';
import { TRANSFER_COUNTS, TRANSFER_RANKS } from './transfer-policy';

/**
 * The reverse-process samplers, in the order tools list them (the one source of the names); see
 * the README for each method's law and cost.
 */
export const SAMPLE_METHODS = ['ancestral', 'mean', 'confidence', 'first-hitting', 'remdm'] as const;
/** One of SAMPLE_METHODS (SAMPLE_METHOD_INFO describes each). */
export type SampleMethod = (typeof SAMPLE_METHODS)[number];

/** What a method is, for pickers and help texts: a one-line summary, its exactness, its cost, the options it reads. */
export interface SampleMethodInfo {
  /** One line on what the method does. */
  summary: string;
  /** True when, with the exact denoiser, its law converges to the model's joint as T grows (or is exact). */
  exact: boolean;
  /** Network calls per sequence, in words. */
  cost: string;
  /** The options only this method reads (besides the shared ones). */
  options: readonly (keyof SampleOptions)[];
}

/** One entry per method (the README's table and the web app's picker read it). */
export const SAMPLE_METHOD_INFO: Readonly<Record<SampleMethod, SampleMethodInfo>> = {
  ancestral: {
    summary:
      'MD4 reverse process: each masked token unmasks with probability (alpha_s - alpha_t)/(1 - alpha_t)',
    exact: true,
    cost: 'at most min(T, L + 1) calls (lazy)',
    options: ['steps', 'grid'],
  },
  mean: {
    summary: 'two-stage form of ancestral: x0 ~ mu, then unmask; leftovers keep their draw',
    exact: true,
    cost: 'at most min(T, L + 1) calls (lazy)',
    options: ['steps', 'grid'],
  },
  confidence: {
    summary: 'parallel decoding: commit the best-ranked candidates (schedule, even or threshold count)',
    exact: false,
    cost: 'at most T calls; threshold stops when all are committed',
    options: ['steps', 'grid', 'transfer', 'rank', 'threshold', 'confidenceNoise'],
  },
  'first-hitting': {
    summary: 'exact sampler in continuous time: one token per call at its hitting time',
    exact: true,
    cost: 'exactly L calls (T unused)',
    options: [],
  },
  remdm: {
    summary:
      'ReMDM: committed tokens can be masked again and revised (cap, rescale, loop keep the marginals; conf is a heuristic)',
    exact: true,
    cost: 'up to T calls: a run takes the whole grid',
    options: ['steps', 'grid', 'remask'],
  },
};

/** ReMDM's defaults (its paper's OpenWebText settings): eta 0.02; loop on (0.05, 0.55] at alpha 0.9. */
export const REMASK_DEFAULTS = { eta: 0.02, tOn: 0.55, tOff: 0.05, alphaOn: 0.9 } as const;

/** `remask` as `sample` takes it: a strategy with its settings, each defaulting to `REMASK_DEFAULTS`. */
export type RemaskInput =
  | { strategy: 'cap' | 'rescale'; eta?: number | undefined }
  | { strategy: 'conf' }
  | {
      strategy: 'loop';
      eta?: number | undefined;
      tOn?: number | undefined;
      tOff?: number | undefined;
      alphaOn?: number | undefined;
    };

/** Options of `sample`, `sampleWithStats` and `sampleSteps`: the run's size, schedule, method and draws. */
export interface SampleOptions {
  /** Sequence length L (the network's length). */
  length: number;
  /** Number of sequences (default 1); with `prompt`, the prompt's length (a different value is an error). */
  batch?: number | undefined;
  /** Reverse steps T on the time grid (integer >= 1). `first-hitting` ignores it and may omit it. */
  steps?: number | undefined;
  /** alpha(t), or GenMD4's state-dependent schedule (then the GenMD4 reverse step is used). */
  schedule: Schedule;
  /** Time grid from 1 to 0: 'uniform' t_i = i/T (default) or 'cosine' t_i = cos(pi/2 (1 - i/T)). */
  grid?: 'uniform' | 'cosine' | undefined;
  /** Default 'ancestral'. */
  method?: SampleMethod | undefined;
  /** Nucleus truncation of mu, in (0, 1] (default 1: none). */
  topP?: number | undefined;
  /** mu = softmax(logits / temperature), temperature >= 0 (default 1; 0 = greedy argmax). */
  temperature?: number | undefined;
  /** Per sequence, the fixed tokens with MASK (= V) at the positions to generate. Sets the batch. */
  prompt?: ArrayLike<number>[] | undefined;
  /** Seeded generator for every random draw (float64 inverse-CDF categorical draws). */
  rng: Rng;
  /**
   * How token values are drawn from mu: 'float64' inverse-CDF draws (default), or 'float32'
   * Gumbel-max as float32 PyTorch samplers draw them, only to measure what float64 protects against
   * (a thinned tail: lower generative perplexity and entropy; `sampleCategoricalFloat32`). The
   * unmasking decisions and GenMD4's step stay float64.
   */
  samplingPrecision?: SamplingPrecision | undefined;
  /**
   * Called after every step with plain data; a returned promise is awaited before the next step.
   * Between steps the sampler lets the event loop turn about every 16 ms, so timers, UI and
   * `signal` stay live on every backend.
   */
  onStep?: ((event: StepEvent) => unknown) | undefined;
  /** Stops the run between steps; the promise rejects with an Error named 'AbortError'. */
  signal?: AbortSignal | undefined;
  /**
   * Reuse a sequence's last prediction while its tokens are unchanged (default true). Only used
   * when `denoiser.timeConditioned === false`, where it is exact.
   */
  cache?: boolean | undefined;
  /**
   * Leave out of a step's network call the sequences that reveal nothing in it (default true).
   * ancestral/mean draw which tokens unmask before the prediction is needed (the decision does
   * not depend on mu), so this is exact for any network; confidence skips steps whose quota is 0.
   */
  lazy?: boolean | undefined;
  /**
   * confidence only: scale of Gumbel noise added to log-confidence, annealed by t
   * (score = log mu_v + confidenceNoise * t * g), as MaskGIT's randomised ordering. Default 0.
   */
  confidenceNoise?: number | undefined;
  /** confidence only: how many tokens a step commits (default 'schedule'); see `TRANSFER_COUNTS`. */
  transfer?: TransferCount | undefined;
  /** confidence only: which masked positions a step commits first (default 'probability'); see `TRANSFER_RANKS`. */
  rank?: TransferRank | undefined;
  /** confidence with transfer 'threshold': the model probability a candidate must exceed, in (0, 1) (default 0.9). */
  threshold?: number | undefined;
  /** remdm only: the remasking strategy (default `{ strategy: 'cap' }`, eta 0.02). */
  remask?: RemaskInput | undefined;
  /**
   * Classifier-free guidance scale w >= 0 (default 0: none): l = u + (1 + w)(c - u), with u the
   * same network's logits on the sequence with its prompt masked. Needs `prompt`; doubles the
   * sequences per network call for prompted sequences.
   */
  guidance?: number | undefined;
  /** End-of-sequence token id: with `minLength`, it cannot be drawn at positions < minLength. */
  eos?: number | undefined;
  /** With `eos`: the first position at which EOS may be drawn (default 0). */
  minLength?: number | undefined;
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
  samplingPrecision: SamplingPrecision;
  tokens: Int32Array[];
  rng: Rng;
  signal: AbortSignal | undefined;
  caching: boolean;
  lazy: boolean;
  /** The confidence method's policy (defaults for other methods). */
  transfer: TransferPolicy;
  /** remdm's strategy with every setting filled in, or null for other methods. */
  remask: RemaskOptions | null;
  guidance: number;
  eos: { token: number; minLength: number } | null;
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
  const samplingPrecision = checkSamplingPrecision(opts.samplingPrecision);
  const confidenceNoise = opts.confidenceNoise ?? 0;
  if (!(confidenceNoise >= 0) || !Number.isFinite(confidenceNoise)) {
    throw new RangeError(`confidenceNoise must be a finite number >= 0, got ${confidenceNoise}`);
  }
  for (const key of ['transfer', 'rank', 'threshold'] as const) {
    if (opts[key] !== undefined && method !== 'confidence') {
      throw new RangeError(`${key} applies to method "confidence" only; drop it or use method "confidence"`);
    }
  }
  if (opts.remask !== undefined && method !== 'remdm') {
    throw new RangeError('remask applies to method "remdm" only; drop it or use method "remdm"');
  }
  const transfer = resolveTransfer(opts, confidenceNoise);
  const remask = method === 'remdm' ? resolveRemask(opts.remask ?? { strategy: 'cap' }) : null;
  const guidance = opts.guidance ?? 0;
  if (typeof guidance !== 'number' || !(guidance >= 0) || !Number.isFinite(guidance)) {
    throw new RangeError(`guidance must be a finite number >= 0 (0 = none), got ${guidance}`);
  }
  if (guidance > 0 && opts.prompt === undefined) {
    throw new RangeError(
      'guidance needs a prompt: it contrasts the prompted prediction with the prompt masked',
    );
  }
  const eos = resolveEos(opts, V, length);
  if (opts.rng == null || typeof opts.rng.uniform !== 'function') {
    throw new TypeError('rng must be an Rng (use createRng(seed) from @md4/core)');
  }
  const { schedule } = opts;
  let alpha: ResolvedOptions['alpha'] = null;
  let exponents: Float64Array | null = null;
  switch (schedule?.kind) {
    case 'genmd4':
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
      break;
    case 'scalar':
      alpha = (t: number) => schedule.alpha(t);
      break;
    default:
      throw new TypeError(
        'schedule must be a MaskingSchedule (e.g. linear() from @md4/schedules) or a GenMD4 schedule (a Schedule of kind "scalar" or "genmd4")',
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
    samplingPrecision,
    temperature,
    tokens,
    rng: opts.rng,
    signal: opts.signal,
    caching: (opts.cache ?? true) && denoiser.timeConditioned === false,
    lazy: opts.lazy ?? true,
    transfer,
    remask,
    guidance,
    eos,
  };
}

function resolveTransfer(opts: SampleOptions, noise: number): TransferPolicy {
  const count = opts.transfer ?? 'schedule';
  if (!TRANSFER_COUNTS.includes(count)) {
    throw new RangeError(
      `transfer must be one of ${TRANSFER_COUNTS.map((c) => `"${c}"`).join(', ')}, got "${count}"`,
    );
  }
  const rank = opts.rank ?? 'probability';
  if (!TRANSFER_RANKS.includes(rank)) {
    throw new RangeError(
      `rank must be one of ${TRANSFER_RANKS.map((r) => `"${r}"`).join(', ')}, got "${rank}"`,
    );
  }
  if (opts.threshold !== undefined && count !== 'threshold') {
    throw new RangeError(
      'threshold applies to transfer "threshold" only; drop it or set transfer: "threshold"',
    );
  }
  const threshold = opts.threshold ?? 0.9;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1)) {
    throw new RangeError(`threshold must lie in (0, 1), got ${threshold}`);
  }
  return { count, rank, threshold, noise };
}

function unitInterval(name: string, value: number, open = false): number {
  if (typeof value !== 'number' || !(open ? value > 0 && value < 1 : value >= 0 && value <= 1)) {
    throw new RangeError(`remask.${name} must lie in ${open ? '(0, 1)' : '[0, 1]'}, got ${value}`);
  }
  return value;
}

function resolveRemask(input: RemaskInput): RemaskOptions {
  if (input == null || !REMASK_STRATEGIES.includes(input.strategy)) {
    throw new RangeError(
      `remask.strategy must be one of ${REMASK_STRATEGIES.map((r) => `"${r}"`).join(', ')}, got "${input?.strategy}"`,
    );
  }
  switch (input.strategy) {
    case 'cap':
    case 'rescale':
      return { strategy: input.strategy, eta: unitInterval('eta', input.eta ?? REMASK_DEFAULTS.eta) };
    case 'conf':
      return { strategy: 'conf' };
    case 'loop': {
      const tOn = unitInterval('tOn', input.tOn ?? REMASK_DEFAULTS.tOn, true);
      const tOff = unitInterval('tOff', input.tOff ?? REMASK_DEFAULTS.tOff, true);
      if (!(tOff < tOn)) throw new RangeError(`remask.tOff (${tOff}) must be below remask.tOn (${tOn})`);
      return {
        strategy: 'loop',
        eta: unitInterval('eta', input.eta ?? REMASK_DEFAULTS.eta),
        tOn,
        tOff,
        alphaOn: unitInterval('alphaOn', input.alphaOn ?? REMASK_DEFAULTS.alphaOn, true),
      };
    }
    default: {
      const unknown: never = input;
      throw new RangeError(`unknown remask strategy ${JSON.stringify(unknown)}`);
    }
  }
}

function resolveEos(opts: SampleOptions, V: number, length: number): ResolvedOptions['eos'] {
  if (opts.eos === undefined) {
    if (opts.minLength !== undefined)
      throw new RangeError('minLength needs eos: the end-of-sequence token id');
    return null;
  }
  if (!Number.isInteger(opts.eos) || opts.eos < 0 || opts.eos >= V) {
    throw new RangeError(`eos must be a token id in [0, ${V}), got ${opts.eos}`);
  }
  const minLength = opts.minLength ?? 0;
  if (!Number.isInteger(minLength) || minLength < 0 || minLength > length) {
    throw new RangeError(`minLength must be an integer in [0, length = ${length}], got ${minLength}`);
  }
  return { token: opts.eos, minLength };
}

/** A sampling precision, 'float64' when omitted; a RangeError naming the choices otherwise. */
export function checkSamplingPrecision(value: SamplingPrecision | undefined): SamplingPrecision {
  if (value === undefined) return 'float64';
  if (!SAMPLING_PRECISIONS.includes(value)) {
    throw new RangeError(
      `samplingPrecision must be one of ${SAMPLING_PRECISIONS.map((p) => `"${p}"`).join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
