import * as tf from '@tensorflow/tfjs-core';
import { WASM_KERNELS } from './kernels/wasm-kernels';

/** x^T for a 2-D float32 tensor through the JS-tiled wasm kernel (wasm backend only). */
export function wasmTranspose2d(x: tf.Tensor2D): tf.Tensor2D {
  return tf.engine().runKernel(WASM_KERNELS.transpose, { x }) as tf.Tensor2D;
}

/**
 * op(a) op(b) for 2-D tensors, op = transpose when flagged. With `fast` (wasm backend) the
 * flagged operand is transposed explicitly first, so the product itself is a plain 2-D matmul that
 * XNNPACK runs (~20 GFLOP/s here) instead of the scalar loop the wasm BatchMatMul uses for any
 * transpose flag (~1-2 GFLOP/s). Elsewhere it is `tf.matMul(a, b, transposeA, transposeB)`, so
 * backends with fast transposed products (WebGPU, a BLAS backend) get them directly.
 * Not differentiable on its own; used inside custom gradients.
 */
export function matMulT(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  transposeA: boolean,
  transposeB: boolean,
  fast: boolean,
): tf.Tensor2D {
  if (!fast || (!transposeA && !transposeB)) return tf.matMul(a, b, transposeA, transposeB);
  return tf.tidy(() => {
    const a2 = transposeA ? wasmTranspose2d(a) : a;
    const b2 = transposeB ? wasmTranspose2d(b) : b;
    return tf.matMul(a2, b2);
  });
}
