import { RMS_NORM_GRAD_KERNEL, RMS_NORM_KERNEL, type RmsNormAttrs } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom-gradient';

/**
 * RMS normalisation over the last axis (Zhang & Sennrich 2019), the pre-norm of blocks without time
 * conditioning:  y = x r s,  r = 1 / sqrt(mean(x^2) + eps),  s a learned vector (initialised to 1).
 * One op with a hand-written gradient:
 *   dx = r (dy s - x r^2 mean(dy s x)),   ds = sum_rows(dy x r)   (the row sum as a 1 x N matmul).
 * Where the active backend registers `@md4/core`'s RMS_NORM_KERNEL (the native backend), one kernel
 * each way that keeps only x and one number per row for the gradient.
 */
export function rmsNorm(x: tf.Tensor2D, scale: tf.Tensor1D, eps: number): tf.Tensor2D {
  if (tf.getKernel(RMS_NORM_KERNEL, tf.getBackend()) != null) return fusedRmsNorm(x, scale, eps);
  const [N, d] = x.shape;
  const op = customOp(([xIn, sIn], save) => {
    const r = tf.rsqrt(tf.add(tf.mean(tf.square(xIn!), -1, true), eps));
    save([xIn!, r, sIn!]);
    return {
      value: tf.mul(tf.mul(xIn!, r), sIn!),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, rs, ss] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const dys = tf.mul(dy, ss);
        const m = tf.mean(tf.mul(dys, xs), -1, true);
        const dx = tf.mul(tf.sub(dys, tf.mul(xs, tf.mul(tf.square(rs), m))), rs);
        const ds = tf.reshape(tf.matMul(tf.ones([1, N]), tf.mul(tf.mul(dy, xs), rs) as tf.Tensor2D), [d]);
        return [dx, ds];
      },
    };
  });
  return op(x, scale) as tf.Tensor2D;
}

/** RMS_NORM_KERNEL with RMS_NORM_GRAD_KERNEL as its gradient; keeps x, scale and r. */
function fusedRmsNorm(x: tf.Tensor2D, scale: tf.Tensor1D, eps: number): tf.Tensor2D {
  const attrs = { eps } satisfies RmsNormAttrs as unknown as tf.NamedAttrMap;
  const op = customOp(([xIn, sIn], save) => {
    const [y, r] = tf.engine().runKernel(RMS_NORM_KERNEL, { x: xIn!, scale: sIn! }, attrs) as tf.Tensor[];
    save([xIn!, sIn!, r!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ss, rs] = saved;
        const inputs = { dy, x: xs!, scale: ss!, r: rs! };
        return tf.engine().runKernel(RMS_NORM_GRAD_KERNEL, inputs, attrs) as tf.Tensor[];
      },
    };
  });
  return op(x, scale) as tf.Tensor2D;
}
