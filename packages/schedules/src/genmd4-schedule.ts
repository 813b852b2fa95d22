import * as tf from '@tensorflow/tfjs-core';
import type { MaskingSchedule } from './masking-schedule';
import { assertEps, assertTime, DEFAULT_EPS } from './masking-schedule';

/**
 * GenMD4's learnable state-dependent schedule (paper section 5):
 * alpha_{t,v} = 1 - (1 - eps) t^{w_v}, with one exponent per token value,
 * w = softplus(w_raw) > 0, initialised to w = 1 (the linear schedule).
 */
export interface StateDependentSchedule {
  /** The tag of `Schedule`: one alpha_{t,v} per token value. */
  readonly kind: 'genmd4';
  /** Always 'genmd4' (the name schedule parsers and reports use). */
  readonly name: 'genmd4';
  /** V, the number of token values (one exponent each). */
  readonly vocabSize: number;
  /** The floor of alpha: alpha_{1,v} = eps for every value (and alpha_{0,v} = 1). */
  readonly eps: number;
  /** w_raw, trainable, float32 [V]. Owned by the schedule (freed by `dispose`). */
  readonly rawExponents: tf.Variable<tf.Rank.R1>;
  /** w = softplus(w_raw), float32 [V], differentiable in w_raw; the caller owns it. */
  exponents(): tf.Tensor1D;
  /** w as float64 numbers, read synchronously (for samplers and reports). */
  exponentValues(): Float64Array;
  /** alpha_{t,v} = 1 - (1 - eps) t^{w_v} for one value v (float64). */
  alpha(t: number, value: number): number;
  /** Serialisable config; `genmd4ScheduleFromJSON` restores it. */
  toJSON(): GenMD4ScheduleConfig;
  /** Frees the variable. */
  dispose(): void;
}

/**
 * Every masking schedule, tagged by `kind`: a scalar alpha(t) (`MaskingSchedule`) or GenMD4's
 * state-dependent alpha_{t,v}. Switch on `kind`; `dispose()` is safe to call on both.
 */
export type Schedule = MaskingSchedule | StateDependentSchedule;

/** A GenMD4 schedule as plain JSON (its `toJSON()`, stored in checkpoints). */
export interface GenMD4ScheduleConfig {
  /** Always 'genmd4'. */
  kind: 'genmd4';
  /** The floor alpha_{1,v} = eps (genmd4Schedule's default DEFAULT_EPS, 1e-4). */
  eps: number;
  /** w_raw per token value (V numbers, read from the float32 variable); w = softplus(w_raw). */
  rawExponents: number[];
}

/** softplus^{-1}(w) = log(exp(w) - 1): the raw value that gives exponent w. */
export function inverseSoftplus(w: number): number {
  if (!(w > 0)) throw new RangeError(`exponent must be > 0, got ${w}`);
  return w > 20 ? w : Math.log(Math.expm1(w));
}

function buildSchedule(raw: Float32Array, eps: number, trainable: boolean): StateDependentSchedule {
  assertEps(eps);
  const vocabSize = raw.length;
  if (!raw.every((x) => Number.isFinite(x))) {
    throw new RangeError('GenMD4 raw exponents must be finite numbers');
  }
  // tf.variable shares the initial tensor's data; dispose the initial tensor so that only the
  // variable stays alive.
  const initial = tf.tensor1d(raw);
  const rawExponents = tf.variable(initial, trainable, undefined, 'float32') as tf.Variable<tf.Rank.R1>;
  initial.dispose();
  const exponentValues = (): Float64Array => {
    const values = rawExponents.dataSync();
    const w = new Float64Array(vocabSize);
    for (let v = 0; v < vocabSize; v++) {
      const x = values[v]!;
      w[v] = x > 20 ? x : Math.log1p(Math.exp(x));
    }
    return w;
  };
  return {
    kind: 'genmd4',
    name: 'genmd4',
    vocabSize,
    eps,
    rawExponents,
    exponents: () => tf.softplus(rawExponents) as tf.Tensor1D,
    exponentValues,
    alpha(t: number, value: number): number {
      assertTime(t);
      if (!Number.isInteger(value) || value < 0 || value >= vocabSize) {
        throw new RangeError(`token value ${value} is outside [0, ${vocabSize})`);
      }
      return 1 - (1 - eps) * t ** exponentValues()[value]!;
    },
    toJSON: () => ({ kind: 'genmd4', eps, rawExponents: Array.from(rawExponents.dataSync()) }),
    dispose: () => rawExponents.dispose(),
  };
}

/**
 * A new GenMD4 schedule for V token values with every exponent w_v = `initialExponent` (default 1).
 * The variable is trainable; train it together with the network.
 */
export function genmd4Schedule(
  vocabSize: number,
  opts: {
    eps?: number | undefined;
    initialExponent?: number | undefined;
    trainable?: boolean | undefined;
  } = {},
): StateDependentSchedule {
  if (!Number.isInteger(vocabSize) || vocabSize < 1) {
    throw new RangeError(`vocabSize must be a positive integer, got ${vocabSize}`);
  }
  const raw = new Float32Array(vocabSize).fill(inverseSoftplus(opts.initialExponent ?? 1));
  return buildSchedule(raw, opts.eps ?? DEFAULT_EPS, opts.trainable ?? true);
}

/** Restores a GenMD4 schedule from `toJSON()` (e.g. from a checkpoint). */
export function genmd4ScheduleFromJSON(
  config: GenMD4ScheduleConfig,
  opts: { trainable?: boolean | undefined } = {},
): StateDependentSchedule {
  if (config?.kind !== 'genmd4' || !Array.isArray(config.rawExponents) || config.rawExponents.length === 0) {
    throw new TypeError('GenMD4 schedule config must be { kind: "genmd4", eps, rawExponents: number[] }');
  }
  return buildSchedule(Float32Array.from(config.rawExponents), config.eps, opts.trainable ?? true);
}
