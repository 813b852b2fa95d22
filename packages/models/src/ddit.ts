import * as tf from '@tensorflow/tfjs-core';
import { type AttentionShape, attention } from './attention';
import { type DDiTConfig, type ResolvedDDiTConfig, resolveDDiTConfig } from './ddit-config';
import { dditLayout } from './ddit-layout';
import {
  type Block,
  createVariables,
  DenoisingNetwork,
  type ForwardOptions,
  type KernelMode,
  type NetworkOptions,
  type ParameterMap,
} from './denoising-network';
import { embed } from './embedding';
import { gatedResidual } from './gated-residual';
import { geluTanh } from './gelu';
import { initialWeights } from './initial-weights';
import { adaLayerNorm } from './layer-norm';
import { linear, linearTransposedWithBias, linearWithBias } from './linear-layer';
import { sigmaConditioning } from './sigma-embedding';

/** How to build a DDiT (see `NetworkOptions`). */
export type DDiTOptions = NetworkOptions;

/**
 * The DDiT denoiser of the MDLM-family checkpoints (DESIGN.md section 2), as a `Denoiser` over
 * V real values (SUBS: the mask is never predicted, so its output column is not kept):
 *   x_0 = E[x_t];  c = silu(sigma_map(sigma(t)))
 *   per block:  (shift, scale, gate) x 2 = W_ada c + b_ada
 *               x += gate_1 * W_out attn( rope( W_qkv (LN(x) w_1 (1 + scale_1) + shift_1) ) )
 *               x += gate_2 * W_2 gelu( W_1 (LN(x) w_2 (1 + scale_2) + shift_2) + b_1 ) + b_2
 *   logits = W_o (LN(x) w_f (1 + scale_f) + shift_f) + b_o
 * sigma(t) = -log(1 - (1 - eps) t) (MDLM's log-linear noise), or 0 without time conditioning.
 *
 * Rotary embeddings: MDLM rotates the channel pairs (j, j + hd/2) of each head; our attention kernels
 * rotate (2j, 2j + 1) with the same frequency theta^(-2j/hd). The two agree exactly once the q and k
 * channels of every head are stored interleaved (channel 2j = MDLM's j, 2j+1 = MDLM's j + hd/2): the
 * same permutation on q and k leaves every score q.k unchanged. `mdlm-format.ts` applies it when
 * reading and undoes it when writing, so `attn.qkv.kernel` is held in the interleaved order.
 */
export class DDiT extends DenoisingNetwork<ResolvedDDiTConfig> {
  /** Use `createDDiT`; this wraps existing variables (not owned unless `owned`). */
  constructor(config: ResolvedDDiTConfig, params: ParameterMap, kernels: KernelMode, owned: boolean) {
    super(config, dditLayout(config), params, kernels, owned);
  }

  protected forwardPass(xt: tf.Tensor2D, t: tf.Tensor1D, options: ForwardOptions): tf.Tensor3D {
    const c = this.config;
    const [B, L] = this.checkInputs(xt, t, c.seqLen);
    const { mat, vec, fast, runBlock } = this.forwardContext(options);
    const d = c.dModel;
    const eps = c.normEps;
    /** LN(x) w (1 + scale) + shift = adaLN with scale' = w (1 + scale) - 1. */
    const modulatedNorm = (x: tf.Tensor2D, w: tf.Tensor1D, shift: tf.Tensor2D, scale: tf.Tensor2D) =>
      adaLayerNorm(x, shift, tf.sub(tf.mul(tf.add(scale, 1), w), 1) as tf.Tensor2D, eps, fast);

    /** DDiT block `pre` (see the class comment) on x [B*L, d]. */
    const block =
      (pre: string, shape: AttentionShape): Block =>
      (x, cond, { mat, vec, drop }) => {
        const [shiftA, scaleA, gateA, shiftM, scaleM, gateM] = tf.split(
          linearWithBias(cond!, mat(`${pre}.ada.kernel`), vec(`${pre}.ada.bias`), fast),
          6,
          1,
        ) as tf.Tensor2D[];
        const h = modulatedNorm(x, vec(`${pre}.norm1.scale`), shiftA!, scaleA!);
        const o = attention(linear(h, mat(`${pre}.attn.qkv.kernel`), fast), shape, fast);
        const y = gatedResidual(x, gateA!, drop(linear(o, mat(`${pre}.attn.out.kernel`), fast)), fast);
        const m = modulatedNorm(y, vec(`${pre}.norm2.scale`), shiftM!, scaleM!);
        const up = geluTanh(linearWithBias(m, mat(`${pre}.mlp.up.kernel`), vec(`${pre}.mlp.up.bias`), fast));
        const down = linearWithBias(up, mat(`${pre}.mlp.down.kernel`), vec(`${pre}.mlp.down.bias`), fast);
        return gatedResidual(y, gateM!, drop(down), fast);
      };

    return tf.tidy(() => {
      let x = embed(tf.reshape(xt, [B * L]) as tf.Tensor1D, mat('embed.embedding'), fast);
      const sigma = c.timeConditioned
        ? (tf.neg(tf.log1p(tf.mul(tf.cast(t, 'float32'), -(1 - c.noiseEps)))) as tf.Tensor1D)
        : tf.zeros([B], 'float32');
      const cond = sigmaConditioning(
        sigma as tf.Tensor1D,
        {
          w1: mat('sigma.mlp1.kernel'),
          b1: vec('sigma.mlp1.bias'),
          w2: mat('sigma.mlp2.kernel'),
          b2: vec('sigma.mlp2.bias'),
        },
        fast,
      );
      const shape = { batch: B, seqLen: L, heads: c.heads, headDim: d / c.heads, ropeTheta: c.ropeTheta };
      for (let i = 0; i < c.layers; i++) {
        // One tidy per block: its intermediates go as soon as it is done (what the backward pass
        // needs is kept by the tape), so memory holds one block's activations, not all of them.
        const input = x;
        x = tf.tidy(() => runBlock(`blocks.${i}`, block(`blocks.${i}`, shape), input, cond));
      }
      const [shift, scale] = tf.split(
        linearWithBias(cond, mat('final.ada.kernel'), vec('final.ada.bias'), fast),
        2,
        1,
      ) as tf.Tensor2D[];
      const y = modulatedNorm(x, vec('final.norm.scale'), shift!, scale!);
      const logits = linearTransposedWithBias(y, mat('out.weight'), vec('out.bias'), fast);
      return tf.reshape(logits, [B, L, c.vocabSize]) as tf.Tensor3D;
    });
  }

  withParams(params: ParameterMap): DDiT {
    return new DDiT(this.config, params, this.kernels, false);
  }
}

/**
 * Builds a DDiT. Weights come from `options.weights` (e.g. `readMdlmWeights`) or are drawn from
 * `options.seed` (same seed, same weights, on any backend).
 */
export function createDDiT(
  config: Omit<DDiTConfig, 'arch'> & { arch?: 'ddit' },
  options: DDiTOptions = {},
): DDiT {
  const resolved = resolveDDiTConfig({ ...config, arch: 'ddit' });
  const layout = dditLayout(resolved);
  const params = createVariables(layout, options.weights ?? initialWeights(layout, options.seed ?? 0));
  return new DDiT(resolved, params, options.kernels ?? 'auto', true);
}
