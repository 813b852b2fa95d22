import { GELU_TANH_CONSTANTS, GELU_TANH_GRAD_KERNEL, GELU_TANH_KERNEL } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom-gradient';

const { k: K, c: C } = GELU_TANH_CONSTANTS;

/**
 * GELU, tanh approximation (torch `gelu(approximate='tanh')`), as one op. With (1 + tanh u)/2 =
 * sigmoid(2u) it needs no tanh or pow kernel, and only x is kept for the backward pass:
 *   y = x/2 (1 + tanh u) = x s,  s = sigmoid(2u),  u = k (x + c x^3),  k = sqrt(2/pi), c = 0.044715
 *   dy/dx = s + x s (1 - s) 2k (1 + 3 c x^2)
 * Where the active backend registers `@md4/core`'s GELU_TANH_KERNEL (the native backend), one kernel
 * each way with the same bits.
 */
export function geluTanh<T extends tf.Tensor>(x: T): T {
  if (tf.getKernel(GELU_TANH_KERNEL, tf.getBackend()) != null) return fusedGeluTanh(x);
  const op = customOp(([xIn], save) => {
    save([xIn!]);
    const s = tf.sigmoid(tf.mul(tf.mul(xIn!, tf.add(tf.mul(tf.square(xIn!), C), 1)), 2 * K));
    return {
      value: tf.mul(xIn!, s),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const xs = saved[0]!;
        const x2 = tf.square(xs);
        const sg = tf.sigmoid(tf.mul(tf.mul(xs, tf.add(tf.mul(x2, C), 1)), 2 * K));
        const slope = tf.add(
          sg,
          tf.mul(tf.mul(tf.mul(xs, sg), tf.sub(1, sg)), tf.add(tf.mul(x2, 6 * C * K), 2 * K)),
        );
        return tf.mul(dy, slope);
      },
    };
  });
  return op(x) as T;
}

/** GELU_TANH_KERNEL with GELU_TANH_GRAD_KERNEL as its gradient; keeps x. */
function fusedGeluTanh<T extends tf.Tensor>(x: T): T {
  const op = customOp(([xIn], save) => {
    save([xIn!]);
    return {
      value: tf.engine().runKernel(GELU_TANH_KERNEL, { x: xIn! }) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(GELU_TANH_GRAD_KERNEL, { dy, x: saved[0]! }) as tf.Tensor,
    };
  });
  return op(x) as T;
}
