import { GATED_RESIDUAL_GRAD_KERNEL, GATED_RESIDUAL_KERNEL } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom-gradient';
import { perSequence, sequenceSum } from './sequence-sum';

/**
 * The adaLN-Zero residual update  y = x + gate_b * f,  x, f [B*P, d], gate [B, d] (one op):
 *   dx = dy,  df = dy gate_b,  dgate_b = sum_{p in b} dy f.
 * Where the backend registers `@md4/core`'s GATED_RESIDUAL_KERNEL (the native backend) each
 * direction is one kernel (y and df bit for bit the composed ops', dgate another float32 sum
 * order); elsewhere tfjs ops.
 */
export function gatedResidual(
  x: tf.Tensor2D,
  gate: tf.Tensor2D,
  branch: tf.Tensor2D,
  fast: boolean,
): tf.Tensor2D {
  if (tf.getKernel(GATED_RESIDUAL_KERNEL, tf.getBackend()) != null) {
    return fusedGatedResidual(x, gate, branch) as tf.Tensor2D;
  }
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

/** The backend's gated-residual kernels (@md4/core's GATED_RESIDUAL_KERNEL and its gradient kernel). */
const fusedGatedResidual = customOp(([x, gate, branch], save) => {
  save([gate!, branch!]);
  return {
    value: tf.engine().runKernel(GATED_RESIDUAL_KERNEL, { x: x!, gate: gate!, branch: branch! }) as tf.Tensor,
    gradFunc: (dy, [gs, fs]) => {
      const [dGate, dBranch] = tf.engine().runKernel(GATED_RESIDUAL_GRAD_KERNEL, {
        dy,
        gate: gs!,
        branch: fs!,
      }) as tf.Tensor[];
      return [dy, dGate!, dBranch!];
    },
  };
});
