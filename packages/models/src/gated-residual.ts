import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom-gradient';
import { perSequence, sequenceSum } from './sequence-sum';

/**
 * The adaLN-Zero residual update  y = x + gate_b * f,  x, f [B*P, d], gate [B, d] (one op):
 *   dx = dy,  df = dy gate_b,  dgate_b = sum_{p in b} dy f.
 */
export function gatedResidual(
  x: tf.Tensor2D,
  gate: tf.Tensor2D,
  branch: tf.Tensor2D,
  fast: boolean,
): tf.Tensor2D {
  const [N, d] = x.shape;
  const B = gate.shape[0];
  const P = N / B;
  const op = customOp(([xIn, gateIn, fIn], save) => {
    save([gateIn!, fIn!]);
    const y = tf.add(
      tf.reshape(xIn!, [B, P, d]),
      tf.mul(perSequence(gateIn as tf.Tensor2D), tf.reshape(fIn!, [B, P, d])),
    );
    return {
      value: tf.reshape(y, [N, d]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [gs, fs] = saved as [tf.Tensor2D, tf.Tensor2D];
        const df = tf.reshape(tf.mul(tf.reshape(dy, [B, P, d]), perSequence(gs)), [N, d]);
        return [dy, sequenceSum(tf.mul(dy, fs) as tf.Tensor2D, B, fast), df];
      },
    };
  });
  return op(x, gate, branch) as tf.Tensor2D;
}
