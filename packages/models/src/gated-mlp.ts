import { SIGMOID_GATE_GRAD_KERNEL, SIGMOID_GATE_KERNEL } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom-gradient';
import { linear } from './linear-layer';

/**
 * The gate of the MLP, sigmoid(g) * u, as one op:  d/du = dy s,  d/dg = dy u s (1 - s),  s = sigmoid(g).
 * Where the backend registers `@md4/core`'s SIGMOID_GATE_KERNEL (the native backend) each direction is
 * one kernel; elsewhere tfjs ops; the results are identical.
 */
export function sigmoidGate(g: tf.Tensor2D, u: tf.Tensor2D): tf.Tensor2D {
  if (tf.getKernel(SIGMOID_GATE_KERNEL, tf.getBackend()) != null) return fusedGate(g, u) as tf.Tensor2D;
  const op = customOp(([gIn, uIn], save) => {
    save([gIn!, uIn!]);
    return {
      value: tf.mul(tf.sigmoid(gIn!), uIn!),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [gs, us] = saved as [tf.Tensor, tf.Tensor];
        const s = tf.sigmoid(gs);
        const dyS = tf.mul(dy, s);
        return [tf.mul(tf.mul(dyS, us), tf.sub(1, s)), dyS];
      },
    };
  });
  return op(g, u) as tf.Tensor2D;
}

/**
 * Gated MLP of the reference network: W_down( sigmoid(W_gate x) * (W_up x) ), no biases.
 * W_gate and W_up are kept as two matrices (the reference fuses them into one W13 of the same size)
 * so the products never need a column slice, which costs a full copy on wasm. On the native backend
 * one joined product was tried twice and made the MLP no faster (apps/cli/BENCHMARKS.md, 2026-12-07
 * and 2026-12-08).
 */
export function gatedMlp(
  x: tf.Tensor2D,
  p: { gate: tf.Tensor2D; up: tf.Tensor2D; down: tf.Tensor2D },
  fast: boolean,
): tf.Tensor2D {
  return tf.tidy(() => linear(sigmoidGate(linear(x, p.gate, fast), linear(x, p.up, fast)), p.down, fast));
}

/** The backend's gate kernels (@md4/core's SIGMOID_GATE_KERNEL and its gradient kernel). */
const fusedGate = customOp(([g, u], save) => {
  save([g!, u!]);
  return {
    value: tf.engine().runKernel(SIGMOID_GATE_KERNEL, { gate: g!, up: u! }) as tf.Tensor,
    gradFunc: (dy, [gs, us]) =>
      tf.engine().runKernel(SIGMOID_GATE_GRAD_KERNEL, { dy, gate: gs!, up: us! }) as tf.Tensor[],
  };
});
