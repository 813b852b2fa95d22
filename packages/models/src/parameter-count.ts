import { parameterLayout } from './parameter-layout';
import {
  type ResolvedTransformerConfig,
  resolveConfig,
  type TransformerConfig,
  transformerParameterCount,
} from './transformer-config';

/** Number of parameters in closed form (see `transformerParameterCount`); tests hold it equal to the layout's. */
export function countParameters(config: TransformerConfig): number {
  return transformerParameterCount(resolveConfig(config));
}

/** The parameter count by enumerating `parameterLayout` (tests hold it equal to the formula). */
export function countLayoutParameters(config: TransformerConfig): number {
  return parameterLayout(resolveConfig(config)).reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Weights that take part in matmuls, as in torch_md4.py's `matmul_params`: per position (applied to
 * every transformer position: qkv, out, gate/up/down, output layer, and the token-group projection)
 * and per sequence (time MLP and adaLN projections). The one-hot embedding product is not counted.
 */
export function matmulParameters(config: TransformerConfig | ResolvedTransformerConfig): {
  perPosition: number;
  perSequence: number;
} {
  const c = resolveConfig(config);
  const { dModel: d, layers: n, mlpHidden: h, tokensPerPosition: g, tokenEmbedDim: E } = c;
  const hd = d / c.heads;
  const perPosition = n * (4 * d * d + 3 * d * h) + d * g * c.vocabSize + (g > 1 ? g * E * d : 0);
  const perSequence = c.timeConditioned ? 8 * hd * hd + n * hd * 6 * d + hd * 2 * d : 0;
  return { perPosition, perSequence };
}

/**
 * Matmul FLOPs of one forward pass over `batch` sequences of `length` tokens, counted like
 * torch_md4.py: 2 * perPosition * B * P + 2 * perSequence * B + 4 * B * P^2 * d * layers
 * (P = length / tokensPerPosition positions; the last term is QK^T and PV). Training (forward +
 * backward) is 3x this.
 */
export function forwardFlops(config: TransformerConfig, batch: number, length: number): number {
  const c = resolveConfig(config);
  const P = length / c.tokensPerPosition;
  const { perPosition, perSequence } = matmulParameters(c);
  return 2 * perPosition * batch * P + 2 * perSequence * batch + 4 * batch * P * P * c.dModel * c.layers;
}
