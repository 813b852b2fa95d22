import { assertParameterBudget, MAX_SEQUENCE_LENGTH } from './parameter-budget';
import type { Resolved } from './resolved-type';

/**
 * The architecture of a DDiT denoiser: the network of the published MDLM-family checkpoints
 * (kuleshov-group/mdlm `models/dit.py`; DESIGN.md section 2, "Two architectures"). LayerNorm with a
 * weight and no bias, fused qkv, rotate-half RoPE, a GELU MLP with biases, adaLN modulation from a
 * sinusoidal embedding of the noise level sigma, and an output layer with a bias.
 */
export interface DDiTConfig {
  /** Always 'ddit': tells this config from a TransformerConfig (`arch` 'md4' or absent). */
  arch: 'ddit';
  /** V, the number of real token values (mask id V; the checkpoint's `vocab_size` is V + 1). */
  vocabSize: number;
  /** Maximum sequence length L (`model_length`). */
  seqLen: number;
  /** Number of blocks (`n_blocks`). */
  layers: number;
  /** Model width d (`hidden_dim`). */
  dModel: number;
  /** Attention heads (`n_heads`); the head dim d / heads must be even. */
  heads: number;
  /** Width of the sigma conditioning vector (`cond_dim`, 128 in mdlm-owt). */
  condDim: number;
  /** MLP hidden size (default 4 d, MDLM's mlp_ratio 4). */
  mlpHidden?: number | undefined;
  /**
   * Whether the network sees the noise level (`time_conditioning`). When false it is given sigma = 0
   * (as MDLM does), so its output ignores t and samplers may cache.
   */
  timeConditioned?: boolean | undefined;
  /** Dropout on the residual branches while training (default 0; MDLM trains with 0.1). */
  dropout?: number | undefined;
  /** LayerNorm epsilon (default 1e-5, torch's). */
  normEps?: number | undefined;
  /** RoPE base (default 10000). */
  ropeTheta?: number | undefined;
  /** eps of MDLM's log-linear noise sigma(t) = -log(1 - (1 - eps) t) given to the network (default 1e-3). */
  noiseEps?: number | undefined;
}

/**
 * The architecture of kuleshov-group/mdlm-owt (and mdlm-noeos-owt): GPT-2 tokens, L 1024, 12 blocks
 * x 768, 12 heads, cond 128, time-agnostic; 169,626,449 parameters here (MDLM's count less the
 * output layer's mask row).
 */
export const MDLM_OWT: DDiTConfig = {
  arch: 'ddit',
  vocabSize: 50257,
  seqLen: 1024,
  layers: 12,
  dModel: 768,
  heads: 12,
  condDim: 128,
  timeConditioned: false,
};

/** A DDiT config with every default filled in (what checkpoints store). */
export type ResolvedDDiTConfig = Resolved<DDiTConfig>;

/** Width of the sinusoidal sigma embedding (MDLM's `frequency_embedding_size`). */
export const SIGMA_EMBEDDING_DIM = 256;

/**
 * Parameters of a DDiT in closed form (V vocab, d width, c cond width, h MLP hidden, n blocks):
 *   (V+1) d + (256 c + c) + (c^2 + c) + n (2d + 6dc + 6d + 4d^2 + 2dh + h + d) + (d + 2dc + 2d) + (V d + V)
 */
export function dditParameterCount(c: Omit<ResolvedDDiTConfig, 'arch'>): number {
  const { vocabSize: V, dModel: d, condDim: cond, mlpHidden: h, layers: n } = c;
  const block = 2 * d + 6 * d * cond + 6 * d + 4 * d * d + 2 * d * h + h + d;
  return (
    (V + 1) * d +
    (SIGMA_EMBEDDING_DIM + 1) * cond +
    cond * cond +
    cond +
    n * block +
    3 * d +
    2 * d * cond +
    V * d +
    V
  );
}

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1) {
    throw new RangeError(`ddit config: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function numberIn(name: string, v: unknown, ok: (x: number) => boolean, range: string): number {
  if (typeof v !== 'number' || !ok(v)) {
    throw new RangeError(`ddit config: ${name} must be a number ${range}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Fills defaults and checks every field, throwing a RangeError that names the bad field. */
export function resolveDDiTConfig(config: DDiTConfig): ResolvedDDiTConfig {
  if (config == null || typeof config !== 'object') throw new TypeError('ddit config must be an object');
  if (config.arch !== 'ddit') {
    throw new RangeError(`ddit config: arch must be "ddit", got ${JSON.stringify(config.arch)}`);
  }
  const dModel = positiveInt('dModel', config.dModel);
  const heads = positiveInt('heads', config.heads);
  if (dModel % heads !== 0) {
    throw new RangeError(`ddit config: dModel ${dModel} is not divisible by heads ${heads}`);
  }
  if ((dModel / heads) % 2 !== 0) {
    throw new RangeError(`ddit config: head dim ${dModel / heads} must be even for rotary embeddings`);
  }
  const timeConditioned = config.timeConditioned ?? true;
  if (typeof timeConditioned !== 'boolean') {
    throw new RangeError(
      `ddit config: timeConditioned must be true or false, got ${JSON.stringify(timeConditioned)}`,
    );
  }
  const resolved: ResolvedDDiTConfig = {
    arch: 'ddit',
    vocabSize: positiveInt('vocabSize', config.vocabSize),
    seqLen: numberIn(
      'seqLen',
      config.seqLen,
      (x) => Number.isInteger(x) && x >= 1 && x <= MAX_SEQUENCE_LENGTH,
      `an integer in 1..${MAX_SEQUENCE_LENGTH}`,
    ),
    layers: positiveInt('layers', config.layers),
    dModel,
    heads,
    condDim: positiveInt('condDim', config.condDim),
    mlpHidden: positiveInt('mlpHidden', config.mlpHidden ?? 4 * dModel),
    timeConditioned,
    dropout: numberIn('dropout', config.dropout ?? 0, (x) => x >= 0 && x < 1, 'in [0, 1)'),
    normEps: numberIn('normEps', config.normEps ?? 1e-5, (x) => x > 0 && x < 1, 'in (0, 1)'),
    ropeTheta: numberIn('ropeTheta', config.ropeTheta ?? 10000, (x) => x > 1 && Number.isFinite(x), '> 1'),
    noiseEps: numberIn('noiseEps', config.noiseEps ?? 1e-3, (x) => x > 0 && x < 1, 'in (0, 1)'),
  };
  assertParameterBudget('ddit config', dditParameterCount(resolved));
  return resolved;
}

/**
 * MDLM's log-linear total noise, the network's time input:  sigma(t) = -log(1 - (1 - eps) t),
 * so that exp(-sigma(t)) = 1 - (1 - eps) t is the probability that a token is still unmasked.
 */
export function logLinearSigma(t: number, eps: number): number {
  return -Math.log1p(-(1 - eps) * t);
}
