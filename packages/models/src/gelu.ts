import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom-gradient';

const K = Math.sqrt(2 / Math.PI);
const C = 0.044715;

/**
 * GELU, tanh approximation (torch `gelu(approximate='tanh')`), as one op with the gradient
 * recomputed from x (nothing but x is kept for the backward pass):
 *   y = x/2 (1 + tanh u),  u = k (x + c x^3),  k = sqrt(2/pi), c = 0.044715
 *   dy/dx = (1 + tanh u)/2 + x/2 (1 - tanh^2 u) k (1 + 3 c x^2)
 */
export function geluTanh<T extends tf.Tensor>(x: T): T {
  const op = customOp(([xIn], save) => {
    save([xIn!]);
    const th = tf.tanh(tf.mul(tf.add(xIn!, tf.mul(tf.pow(xIn!, 3), C)), K));
    return {
      value: tf.mul(tf.mul(xIn!, 0.5), tf.add(th, 1)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const xs = saved[0]!;
        const x2 = tf.square(xs);
        const t = tf.tanh(tf.mul(tf.mul(xs, tf.add(tf.mul(x2, C), 1)), K));
        const slope = tf.add(
          tf.mul(tf.add(t, 1), 0.5),
          tf.mul(tf.mul(tf.mul(xs, 0.5 * K), tf.sub(1, tf.square(t))), tf.add(tf.mul(x2, 3 * C), 1)),
        );
        return tf.mul(dy, slope);
      },
    };
  });
  return op(x) as T;
}
