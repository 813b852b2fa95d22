import { assertParameterBudget, MAX_SEQUENCE_LENGTH } from './parameter-budget';
import type { Resolved } from './resolved-type';

/**
 * The architecture of an MD4 denoising transformer (DESIGN.md section 2, "Network"; the same network
 * as /shared/bench/torch_md4.py and the reference md4/networks/transformer.py).
 */
export interface TransformerConfig {
  /** The architecture tag (default 'md4'; see `NetworkConfig` for the other, 'ddit'). */
  arch?: 'md4' | undefined;
  /** V, the number of real token values (the mask id is V; the embedding has V + 1 rows). */
  vocabSize: number;
  /** Maximum sequence length L in tokens (inputs may be shorter; RoPE needs no learned table). */
  seqLen: number;
  /** Number of transformer blocks. */
  layers: number;
  /** Model width d. */
  dModel: number;
  /** Attention heads (d must be divisible by heads; the head dim must be even for RoPE). */
  heads: number;
  /** Gated-MLP hidden size; default 32 * ceil(floor(8d/3) / 32) as in the reference. */
  mlpHidden?: number | undefined;
  /** adaLN-Zero conditioning on a sinusoidal embedding of 1000 t (default true; false when causal). */
  timeConditioned?: boolean | undefined;
  /**
   * An autoregressive network (default false): causal attention, position n sees positions 0..n,
   * and `Transformer#nextTokenLogits` reads the sequence shifted right by one (the mask id V as the
   * start token), so its row n is the distribution of x_n given x_0..x_(n-1). It has no time
   * conditioning and one token per position.
   */
  causal?: boolean | undefined;
  /** Dropout rate on the residual branches while training (default 0). */
  dropout?: number | undefined;
  /** RoPE base theta (default 10000; 0 disables rotary embeddings). */
  ropeTheta?: number | undefined;
  /** Epsilon of the layer/RMS norms (default 1e-5). */
  normEps?: number | undefined;
  /**
   * Consecutive tokens that share one transformer position (default 1). With g > 1 each token gets
   * a `tokenEmbedDim`-wide embedding, the g embeddings of a position are concatenated and projected
   * to d, and the output layer predicts g x V logits per position. The image preset uses this to
   * run 28 x 28 = 784 pixel tokens as 112 positions of 7 pixels (1 x 7 strips of a row).
   */
  tokensPerPosition?: number | undefined;
  /** Per-token embedding width when tokensPerPosition > 1 (default ceil(d / g)). */
  tokenEmbedDim?: number | undefined;
  /** Image geometry, recorded for tools (samplers, plots); the network only sees the token sequence. */
  image?: { height: number; width: number; channels: number } | undefined;
}

/** A config with every default filled in (what checkpoints store). */
export type ResolvedTransformerConfig = Resolved<Omit<TransformerConfig, 'image'>> &
  Pick<TransformerConfig, 'image'>;

/** GLU hidden size of the reference: 32 * ceil(floor(2 * 4d / 3) / 32). */
export function gluHidden(dModel: number): number {
  return 32 * Math.ceil(Math.floor((2 * 4 * dModel) / 3) / 32);
}

/** Named presets. `small`/`medium` are the paper's MD4-S (12 x 768) and MD4-M (24 x 1024). */
export const PRESETS = {
  /** CI-sized. */
  tiny: { vocabSize: 27, seqLen: 128, layers: 2, dModel: 128, heads: 4 },
  /** The largest that trains at a useful pace on a 2-core CPU (benchmark config). */
  'small-cpu': { vocabSize: 27, seqLen: 256, layers: 4, dModel: 256, heads: 4 },
  /** Paper MD4-S (text8 uses V = 27, L = 256; OpenWebText V = 50257, L = 1024). */
  small: { vocabSize: 50257, seqLen: 1024, layers: 12, dModel: 768, heads: 12 },
  /** Paper MD4-M. */
  medium: { vocabSize: 50257, seqLen: 1024, layers: 24, dModel: 1024, heads: 16 },
  /** 28 x 28 grayscale images as 256-valued pixel tokens, 7 pixels per position (112 positions). */
  'image-28': {
    vocabSize: 256,
    seqLen: 784,
    layers: 4,
    dModel: 128,
    heads: 4,
    tokensPerPosition: 7,
    tokenEmbedDim: 32,
    image: { height: 28, width: 28, channels: 1 },
  },
} as const satisfies Record<string, TransformerConfig>;

/** A key of PRESETS: 'tiny', 'small-cpu', 'small', 'medium' or 'image-28'. */
export type PresetName = keyof typeof PRESETS;

/** A preset's config, with overrides (e.g. `preset('small', { vocabSize: 27, seqLen: 256 })`). */
export function preset(name: PresetName, overrides: Partial<TransformerConfig> = {}): TransformerConfig {
  const base = PRESETS[name] as TransformerConfig | undefined;
  if (base == null) {
    throw new RangeError(`unknown preset "${name}"; expected one of ${Object.keys(PRESETS).join(', ')}`);
  }
  return { ...base, ...overrides };
}

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1) {
    throw new RangeError(`transformer config: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Fills defaults and checks every field, throwing a RangeError that names the bad field. */
export function resolveConfig(config: TransformerConfig): ResolvedTransformerConfig {
  if (config == null || typeof config !== 'object')
    throw new TypeError('transformer config must be an object');
  if (config.arch != null && config.arch !== 'md4') {
    throw new RangeError(`transformer config: arch must be "md4", got ${JSON.stringify(config.arch)}`);
  }
  const vocabSize = positiveInt('vocabSize', config.vocabSize);
  const seqLen = positiveInt('seqLen', config.seqLen);
  if (seqLen > MAX_SEQUENCE_LENGTH) {
    throw new RangeError(
      `transformer config: seqLen ${seqLen} is above the ${MAX_SEQUENCE_LENGTH} this library supports`,
    );
  }
  const layers = positiveInt('layers', config.layers);
  const dModel = positiveInt('dModel', config.dModel);
  const heads = positiveInt('heads', config.heads);
  if (dModel % heads !== 0) {
    throw new RangeError(`transformer config: dModel ${dModel} is not divisible by heads ${heads}`);
  }
  const headDim = dModel / heads;
  const ropeTheta = config.ropeTheta ?? 10000;
  if (typeof ropeTheta !== 'number' || !(ropeTheta >= 0) || !Number.isFinite(ropeTheta))
    throw new RangeError(`transformer config: ropeTheta must be >= 0, got ${ropeTheta}`);
  if (ropeTheta > 0 && headDim % 2 !== 0) {
    throw new RangeError(`transformer config: head dim ${headDim} must be even for rotary embeddings`);
  }
  const dropout = config.dropout ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1))
    throw new RangeError(`transformer config: dropout must lie in [0, 1), got ${dropout}`);
  const normEps = config.normEps ?? 1e-5;
  if (typeof normEps !== 'number' || !(normEps > 0 && normEps < 1))
    throw new RangeError(`transformer config: normEps must be > 0, got ${normEps}`);
  const tokensPerPosition = positiveInt('tokensPerPosition', config.tokensPerPosition ?? 1);
  if (seqLen % tokensPerPosition !== 0) {
    throw new RangeError(
      `transformer config: seqLen ${seqLen} is not divisible by tokensPerPosition ${tokensPerPosition}`,
    );
  }
  const tokenEmbedDim = positiveInt(
    'tokenEmbedDim',
    config.tokenEmbedDim ?? (tokensPerPosition === 1 ? dModel : Math.ceil(dModel / tokensPerPosition)),
  );
  if (tokensPerPosition === 1 && tokenEmbedDim !== dModel) {
    throw new RangeError('transformer config: tokenEmbedDim must equal dModel when tokensPerPosition is 1');
  }
  const causal = config.causal ?? false;
  if (typeof causal !== 'boolean') {
    throw new RangeError(`transformer config: causal must be true or false, got ${JSON.stringify(causal)}`);
  }
  const timeConditioned = config.timeConditioned ?? !causal;
  if (typeof timeConditioned !== 'boolean') {
    throw new RangeError(
      `transformer config: timeConditioned must be true or false, got ${JSON.stringify(timeConditioned)}`,
    );
  }
  if (causal && timeConditioned) {
    throw new RangeError(
      'transformer config: a causal (autoregressive) network has no time to condition on; set timeConditioned false',
    );
  }
  if (causal && tokensPerPosition !== 1) {
    throw new RangeError(
      `transformer config: a causal network predicts one token per position; tokensPerPosition must be 1, got ${tokensPerPosition}`,
    );
  }
  const resolved: ResolvedTransformerConfig = {
    arch: 'md4',
    vocabSize,
    seqLen,
    layers,
    dModel,
    heads,
    mlpHidden: positiveInt('mlpHidden', config.mlpHidden ?? gluHidden(dModel)),
    timeConditioned,
    causal,
    dropout,
    ropeTheta,
    normEps,
    tokensPerPosition,
    tokenEmbedDim,
  };
  assertParameterBudget('transformer config', transformerParameterCount(resolved));
  if (config.image != null) {
    const { height, width, channels } = config.image;
    positiveInt('image.height', height);
    positiveInt('image.width', width);
    positiveInt('image.channels', channels);
    if (height * width * channels !== seqLen) {
      throw new RangeError(
        `transformer config: image ${height}x${width}x${channels} does not have seqLen ${seqLen} tokens`,
      );
    }
    resolved.image = { height, width, channels };
  }
  return resolved;
}

/** Two resolved configs describe the same architecture (so weights are interchangeable). */
export function sameArchitecture(a: ResolvedTransformerConfig, b: ResolvedTransformerConfig): boolean {
  const keys: Array<keyof ResolvedTransformerConfig> = [
    'vocabSize',
    'layers',
    'dModel',
    'heads',
    'mlpHidden',
    'timeConditioned',
    'causal',
    'tokensPerPosition',
    'tokenEmbedDim',
  ];
  return keys.every((k) => a[k] === b[k]);
}

/**
 * Number of parameters in closed form (V vocab, d width, hd = d / H, h MLP hidden, n layers,
 * g tokens per position, E token embedding width):
 *   (V + 1) E + [g > 1] g E d
 *   + n (3d^2 + d^2 + 3 d h)                               attention + gated MLP (no biases)
 *   + time:  (hd 4hd + 4hd) + (4hd hd + hd) + n (hd 6d + 6d) + (hd 2d + 2d)
 *     else:  n 2d + d                                       RMSNorm scales
 *   + d g V                                                 output layer
 */
export function transformerParameterCount(c: Omit<ResolvedTransformerConfig, 'arch' | 'image'>): number {
  const { vocabSize: V, dModel: d, layers: n, mlpHidden: h, tokensPerPosition: g, tokenEmbedDim: E } = c;
  const hd = d / c.heads;
  let total = (V + 1) * E + (g > 1 ? g * E * d : 0);
  total += n * (4 * d * d + 3 * d * h);
  if (c.timeConditioned) {
    total += hd * 4 * hd + 4 * hd + 4 * hd * hd + hd + n * (hd * 6 * d + 6 * d) + hd * 2 * d + 2 * d;
  } else {
    total += n * 2 * d + d;
  }
  return total + d * g * V;
}
