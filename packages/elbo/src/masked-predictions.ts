import type { Denoiser } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import type { MaskDraw } from './masking';

/** The network's predictions at the masked positions of a batch (all float32). */
export interface MaskedPredictions {
  /** log mu_theta(x_t, t): log-softmax over the V values, [B, L, V]; zeros-based at kept positions. */
  logMu: tf.Tensor3D;
  /** The one-hot encoding of x0, [B, L, V] (bool). */
  oneHot: tf.Tensor3D;
  /** log mu_theta(x_t, t)[x0^n], [B, L]. */
  logMuAtX0: tf.Tensor2D;
  /** 1 at masked positions, 0 elsewhere, [B, L]. */
  maskWeight: tf.Tensor2D;
}

/**
 * Calls the network on x_t at times t and picks log mu[x0] with a one-hot product (tf.gather has no
 * gradient on wasm). Logits at kept positions are replaced by zeros before the log-softmax: the
 * contract leaves them unspecified, and a NaN or -Infinity there must not reach the loss or its
 * gradient. Call inside tf.tidy.
 */
export function maskedPredictions(
  denoiser: Denoiser,
  x0: tf.Tensor2D,
  draw: MaskDraw,
  times: Float64Array,
  what: string,
): MaskedPredictions {
  const [B, L] = x0.shape;
  const V = denoiser.vocabSize;
  const xt = tf.tensor2d(draw.xt, [B, L], 'int32');
  const t = tf.tensor1d(Float32Array.from(times));
  const logits = denoiser.logits(xt, t);
  if (logits?.rank !== 3 || logits.shape[0] !== B || logits.shape[1] !== L || logits.shape[2] !== V) {
    throw new RangeError(
      `${what}: denoiser returned logits of shape [${logits?.shape}], expected [${B}, ${L}, ${V}] ` +
        '(batch, length, vocabSize)',
    );
  }
  const maskWeight = tf.tensor2d(Float32Array.from(draw.mask), [B, L]);
  // Full-shape operands: a broadcasting tf.where goes through the slow Tile kernel on wasm.
  const isMasked = tf.tensor3d(expandMask(draw.mask, V), [B, L, V], 'bool');
  const zeros = tf.zeros([B, L, V]);
  const safeLogits = tf.where(isMasked, tf.cast(logits, 'float32'), zeros);
  const logMu = tf.logSoftmax(safeLogits) as tf.Tensor3D;
  // where, not a product with the one-hot: log mu = -Infinity at another value must not give NaN.
  const oneHot = tf.cast(tf.oneHot(x0, V), 'bool') as tf.Tensor3D;
  const logMuAtX0 = tf.sum(tf.where(oneHot, logMu, zeros), -1) as tf.Tensor2D;
  return { logMu, oneHot, logMuAtX0, maskWeight };
}

/** Repeats each position's mask flag V times: [B*L] -> [B*L*V] (1 = masked). */
function expandMask(mask: ArrayLike<number>, V: number): Uint8Array {
  const out = new Uint8Array(mask.length * V);
  for (let i = 0; i < mask.length; i++) if (mask[i]) out.fill(1, i * V, (i + 1) * V);
  return out;
}
