import { ADA_LAYER_NORM_GRAD_KERNEL, ADA_LAYER_NORM_KERNEL, type AdaLayerNormAttrs } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom-gradient';
import { perSequence, sequenceSum } from './sequence-sum';

/**
 * Layer normalisation over the last axis without a learned affine (adaLN supplies scale and shift):
 *   y = (x - mean(x)) / sqrt(var(x) + eps),  var the biased variance.
 */
export function layerNorm<T extends tf.Tensor>(x: T, eps: number): T {
  return tf.tidy(() => {
    const centred = tf.sub(x, tf.mean(x, -1, true));
    const variance = tf.mean(tf.square(centred), -1, true);
    return tf.mul(centred, tf.rsqrt(tf.add(variance, eps))) as T;
  });
}

/**
 * adaLN modulation of a layer norm (DiT):  y = n (1 + scale_b) + shift_b,  n = layerNorm(x),
 * x [B*P, d] (rows grouped by sequence), shift/scale [B, d]. One op with a hand-written gradient
 * (fewer kernels and saved copies than autodiff of the pieces):
 *   g = dy (1 + scale_b)
 *   dx = r (g - mean(g) - n mean(g n)),  r = 1 / sqrt(var(x) + eps)
 *   dscale_b = sum_{p in b} dy n,   dshift_b = sum_{p in b} dy
 * Where the active backend registers `@md4/core`'s ADA_LAYER_NORM_KERNEL (the native backend), one
 * kernel each way that keeps only x and two numbers per row for the gradient.
 */
export function adaLayerNorm(
  x: tf.Tensor2D,
  shift: tf.Tensor2D,
  scale: tf.Tensor2D,
  eps: number,
  fast: boolean,
): tf.Tensor2D {
  if (tf.getKernel(ADA_LAYER_NORM_KERNEL, tf.getBackend()) != null)
    return fusedAdaLayerNorm(x, shift, scale, eps);
  const [N, d] = x.shape;
  const B = shift.shape[0];
  const P = N / B;
  const op = customOp(([xIn, shiftIn, scaleIn], save) => {
    const x3 = tf.reshape(xIn!, [B, P, d]);
    const mean = tf.mean(x3, -1, true);
    const centred = tf.sub(x3, mean);
    const r = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps));
    const n = tf.mul(centred, r);
    save([n, r, scaleIn!]);
    const y = tf.add(
      tf.mul(n, tf.add(perSequence(scaleIn as tf.Tensor2D), 1)),
      perSequence(shiftIn as tf.Tensor2D),
    );
    return {
      value: tf.reshape(y, [N, d]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ns, rs, sc] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor2D];
        const dy3 = tf.reshape(dy, [B, P, d]);
        const g = tf.mul(dy3, tf.add(perSequence(sc), 1));
        const gn = tf.mean(tf.mul(g, ns), -1, true);
        const dx = tf.mul(tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(ns, gn)), rs);
        const dy2 = dy as tf.Tensor2D;
        return [
          tf.reshape(dx, [N, d]),
          sequenceSum(dy2, B, fast),
          sequenceSum(tf.reshape(tf.mul(dy3, ns), [N, d]) as tf.Tensor2D, B, fast),
        ];
      },
    };
  });
  return op(x, shift, scale) as tf.Tensor2D;
}

/** ADA_LAYER_NORM_KERNEL with ADA_LAYER_NORM_GRAD_KERNEL as its gradient; keeps x, scale, mean, r. */
function fusedAdaLayerNorm(x: tf.Tensor2D, shift: tf.Tensor2D, scale: tf.Tensor2D, eps: number): tf.Tensor2D {
  const attrs = { eps } satisfies AdaLayerNormAttrs as unknown as tf.NamedAttrMap;
  const op = customOp(([xIn, shiftIn, scaleIn], save) => {
    const [y, mean, r] = tf
      .engine()
      .runKernel(ADA_LAYER_NORM_KERNEL, { x: xIn!, shift: shiftIn!, scale: scaleIn! }, attrs) as tf.Tensor[];
    save([xIn!, scaleIn!, mean!, r!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, sc, m, rs] = saved;
        const inputs = { dy, x: xs!, scale: sc!, mean: m!, r: rs! };
        return tf.engine().runKernel(ADA_LAYER_NORM_GRAD_KERNEL, inputs, attrs) as tf.Tensor[];
      },
    };
  });
  return op(x, shift, scale) as tf.Tensor2D;
}
