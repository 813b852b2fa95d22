import { type ResolvedDDiTConfig, SIGMA_EMBEDDING_DIM } from './ddit-config';
import type { ParameterInit, ParameterSpec } from './parameter-layout';

/**
 * Every parameter of a DDiT, in a fixed order (seeded initialisation, checkpoint tensors). Kernels
 * are [in, out] (y = x W + b), the transpose of PyTorch's Linear.weight, except the output layer's
 * `out.weight` [V, d] (y = x W^T + b: at V = 50,257 its checkpoint tensor loads without a transposed
 * copy); `mdlm-format.ts` maps these names to MDLM's state-dict names. V = vocabSize, d = dModel, c = condDim, h = mlpHidden:
 *   embed.embedding [V+1, d]; sigma.mlp1 [256, c] + [c]; sigma.mlp2 [c, c] + [c];
 *   per block: norm1.scale [d], ada [c, 6d] + [6d], attn.qkv [d, 3d], attn.out [d, d], norm2.scale [d],
 *              mlp.up [d, h] + [h], mlp.down [h, d] + [d];
 *   final.norm.scale [d], final.ada [c, 2d] + [2d], out.weight [V, d] + out.bias [V] (no mask row: SUBS
 *   never predicts it).
 * As MDLM initialises: adaLN and the output layer zero (so an untrained DDiT predicts uniformly).
 */
export function dditLayout(c: ResolvedDDiTConfig): ParameterSpec[] {
  const { dModel: d, condDim: cond, mlpHidden: h, vocabSize: V } = c;
  const specs: ParameterSpec[] = [];
  const add = (name: string, shape: number[], init: ParameterInit) =>
    specs.push({ name, shape, init, matrix: shape.length === 2 });
  add('embed.embedding', [V + 1, d], 'normal');
  add('sigma.mlp1.kernel', [SIGMA_EMBEDDING_DIM, cond], 'lecun');
  add('sigma.mlp1.bias', [cond], 'zeros');
  add('sigma.mlp2.kernel', [cond, cond], 'lecun');
  add('sigma.mlp2.bias', [cond], 'zeros');
  for (let i = 0; i < c.layers; i++) {
    const p = `blocks.${i}`;
    add(`${p}.norm1.scale`, [d], 'ones');
    add(`${p}.ada.kernel`, [cond, 6 * d], 'zeros');
    add(`${p}.ada.bias`, [6 * d], 'zeros');
    add(`${p}.attn.qkv.kernel`, [d, 3 * d], 'lecun');
    add(`${p}.attn.out.kernel`, [d, d], 'lecun');
    add(`${p}.norm2.scale`, [d], 'ones');
    add(`${p}.mlp.up.kernel`, [d, h], 'lecun');
    add(`${p}.mlp.up.bias`, [h], 'zeros');
    add(`${p}.mlp.down.kernel`, [h, d], 'lecun');
    add(`${p}.mlp.down.bias`, [d], 'zeros');
  }
  add('final.norm.scale', [d], 'ones');
  add('final.ada.kernel', [cond, 2 * d], 'zeros');
  add('final.ada.bias', [2 * d], 'zeros');
  add('out.weight', [V, d], 'zeros');
  add('out.bias', [V], 'zeros');
  return specs;
}
