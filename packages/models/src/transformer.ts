import * as tf from '@tensorflow/tfjs-core';
import { adaLNParams } from './adaln-zero';
import { attention } from './attention';
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
import { gatedMlp } from './gated-mlp';
import { gatedResidual } from './gated-residual';
import { initialWeights } from './initial-weights';
import { adaLayerNorm } from './layer-norm';
import { linear } from './linear-layer';
import { parameterLayout } from './parameter-layout';
import { rmsNorm } from './rms-norm';
import { timeConditioning } from './time-embedding';
import {
  PRESETS,
  type PresetName,
  preset,
  type ResolvedTransformerConfig,
  resolveConfig,
  type TransformerConfig,
} from './transformer-config';

type Six = [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];

/** How to build a transformer (see `NetworkOptions`). */
export type TransformerOptions = NetworkOptions;

/**
 * The MD4 denoising transformer (DESIGN.md section 2): token embedding with V + 1 rows (mask
 * included), n pre-norm blocks of bidirectional (or, with `causal`, causal) multi-head attention
 * with RoPE and a gated MLP,
 * no biases; optional adaLN-Zero time conditioning on a sinusoidal embedding of 1000 t; final norm
 * and a zero-initialised output layer to V logits, so an untrained model predicts the uniform
 * distribution. Implements `Denoiser`; a causal one also `NextTokenModel` (the AR baseline).
 */
export class Transformer extends DenoisingNetwork<ResolvedTransformerConfig> {
  /** Use `createTransformer`; this wraps existing variables (not owned unless `owned`). */
  constructor(config: ResolvedTransformerConfig, params: ParameterMap, kernels: KernelMode, owned: boolean) {
    super(config, parameterLayout(config), params, kernels, owned);
  }

  protected forwardPass(xt: tf.Tensor2D, t: tf.Tensor1D, options: ForwardOptions): tf.Tensor3D {
    const c = this.config;
    const [B, L] = this.checkInputs(xt, t, c.seqLen);
    if (L % c.tokensPerPosition !== 0) {
      throw new RangeError(`logits: sequence length ${L} must be a multiple of ${c.tokensPerPosition}`);
    }
    const { mat, vec, fast, runBlock } = this.forwardContext(options);

    return tf.tidy(() => {
      const g = c.tokensPerPosition;
      const P = L / g;
      const N = B * P;
      const d = c.dModel;
      const eps = c.normEps;
      const tokens = embed(tf.reshape(xt, [B * L]) as tf.Tensor1D, mat('embed.embedding'), fast);
      let x =
        g > 1 ? linear(tf.reshape(tokens, [N, g * c.tokenEmbedDim]), mat('embed.proj.kernel'), fast) : tokens;
      const cond = c.timeConditioned
        ? timeConditioning(
            tf.cast(t, 'float32'),
            {
              w1: mat('time.mlp1.kernel'),
              b1: vec('time.mlp1.bias'),
              w2: mat('time.mlp2.kernel'),
              b2: vec('time.mlp2.bias'),
            },
            fast,
          )
        : null;
      const shape = {
        batch: B,
        seqLen: P,
        heads: c.heads,
        headDim: d / c.heads,
        ropeTheta: c.ropeTheta,
        causal: c.causal,
      };
      // the block of layer `pre` (a closure per layer: a checkpointed block is replayed later)
      const block =
        (pre: string): Block =>
        (h, conditioning, { mat, vec, drop }) => {
          const attn = (u: tf.Tensor2D) =>
            linear(
              attention(linear(u, mat(`${pre}.attn.qkv.kernel`), fast), shape, fast),
              mat(`${pre}.attn.out.kernel`),
              fast,
            );
          const mlp = (u: tf.Tensor2D) =>
            gatedMlp(
              u,
              {
                gate: mat(`${pre}.mlp.gate.kernel`),
                up: mat(`${pre}.mlp.up.kernel`),
                down: mat(`${pre}.mlp.down.kernel`),
              },
              fast,
            );
          if (conditioning != null) {
            const [sa, ca, ga, sm, cm, gm] = adaLNParams(
              conditioning,
              mat(`${pre}.ada.kernel`),
              vec(`${pre}.ada.bias`),
              6,
              fast,
            ) as Six;
            const y = gatedResidual(h, ga, drop(attn(adaLayerNorm(h, sa, ca, eps, fast))), fast);
            return gatedResidual(y, gm, drop(mlp(adaLayerNorm(y, sm, cm, eps, fast))), fast);
          }
          const y = tf.add(h, drop(attn(rmsNorm(h, vec(`${pre}.norm1.scale`), eps)))) as tf.Tensor2D;
          return tf.add(y, drop(mlp(rmsNorm(y, vec(`${pre}.norm2.scale`), eps)))) as tf.Tensor2D;
        };
      for (let i = 0; i < c.layers; i++) x = runBlock(`blocks.${i}`, block(`blocks.${i}`), x, cond);
      if (cond != null) {
        const [shift, scale] = adaLNParams(cond, mat('final.ada.kernel'), vec('final.ada.bias'), 2, fast) as [
          tf.Tensor2D,
          tf.Tensor2D,
        ];
        x = adaLayerNorm(x, shift, scale, eps, fast);
      } else {
        x = rmsNorm(x, vec('final.norm.scale'), eps);
      }
      return tf.reshape(linear(x, mat('out.kernel'), fast), [B, L, c.vocabSize]) as tf.Tensor3D;
    });
  }

  /** The same architecture over other variables of the same shapes (e.g. the EMA weights). Not owned. */
  withParams(params: ParameterMap): Transformer {
    return new Transformer(this.config, params, this.kernels, false);
  }
}

/**
 * Builds a transformer from a config or preset name. Weights come from `options.weights` or are
 * drawn from `options.seed` (same seed, same weights, on any backend).
 */
export function createTransformer(
  config: TransformerConfig | PresetName,
  options: TransformerOptions = {},
): Transformer {
  const resolved = resolveConfig(typeof config === 'string' ? presetOrThrow(config) : config);
  const layout = parameterLayout(resolved);
  const given = options.weights;
  const values = given ?? initialWeights(layout, options.seed ?? 0);
  const params = createVariables(layout, values);
  return new Transformer(resolved, params, options.kernels ?? 'auto', true);
}

function presetOrThrow(name: string): TransformerConfig {
  if (!(name in PRESETS)) {
    throw new RangeError(`unknown preset "${name}"; expected one of ${Object.keys(PRESETS).join(', ')}`);
  }
  return preset(name as PresetName);
}
