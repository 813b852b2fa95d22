import type { ResolvedTransformerConfig } from './transformer-config';

/** How a parameter is initialised. */
export type ParameterInit =
  | 'zeros'
  | 'ones'
  /** N(0, 1) (token embeddings). */
  | 'normal'
  /** LeCun normal N(0, 1 / fan_in), fan_in = shape[0] (Flax's Dense default, as in the reference). */
  | 'lecun';

/** One parameter of a network's layout: its name, shape and initialisation. */
export interface ParameterSpec {
  /** Name in checkpoints, e.g. "blocks.0.attn.qkv.kernel". Kernels are [in, out] (x W). */
  name: string;
  /** Dimensions, e.g. [d, 3d] for a block's fused qkv kernel. */
  shape: number[];
  /** How `initialWeights` fills it. */
  init: ParameterInit;
  /** True for matrices (kernels and embeddings); false for biases and norm scales. */
  matrix: boolean;
}

/**
 * Every parameter of the network, in a fixed order (the order of seeded initialisation and of
 * checkpoint tensors).
 */
export function parameterLayout(c: ResolvedTransformerConfig): ParameterSpec[] {
  const d = c.dModel;
  const hd = d / c.heads;
  const g = c.tokensPerPosition;
  const E = c.tokenEmbedDim;
  const specs: ParameterSpec[] = [];
  const add = (name: string, shape: number[], init: ParameterInit) =>
    specs.push({ name, shape, init, matrix: shape.length === 2 });
  add('embed.embedding', [c.vocabSize + 1, E], 'normal');
  if (g > 1) add('embed.proj.kernel', [g * E, d], 'lecun');
  if (c.timeConditioned) {
    add('time.mlp1.kernel', [hd, 4 * hd], 'lecun');
    add('time.mlp1.bias', [4 * hd], 'zeros');
    add('time.mlp2.kernel', [4 * hd, hd], 'lecun');
    add('time.mlp2.bias', [hd], 'zeros');
  }
  for (let i = 0; i < c.layers; i++) {
    const p = `blocks.${i}`;
    if (c.timeConditioned) {
      add(`${p}.ada.kernel`, [hd, 6 * d], 'zeros');
      add(`${p}.ada.bias`, [6 * d], 'zeros');
    } else {
      add(`${p}.norm1.scale`, [d], 'ones');
      add(`${p}.norm2.scale`, [d], 'ones');
    }
    add(`${p}.attn.qkv.kernel`, [d, 3 * d], 'lecun');
    add(`${p}.attn.out.kernel`, [d, d], 'lecun');
    add(`${p}.mlp.gate.kernel`, [d, c.mlpHidden], 'lecun');
    add(`${p}.mlp.up.kernel`, [d, c.mlpHidden], 'lecun');
    add(`${p}.mlp.down.kernel`, [c.mlpHidden, d], 'lecun');
  }
  if (c.timeConditioned) {
    add('final.ada.kernel', [hd, 2 * d], 'zeros');
    add('final.ada.bias', [2 * d], 'zeros');
  } else {
    add('final.norm.scale', [d], 'ones');
  }
  add('out.kernel', [d, g * c.vocabSize], 'zeros');
  return specs;
}
