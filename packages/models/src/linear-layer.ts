import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom-gradient';
import { sequenceSum } from './sequence-sum';
import { matMulT, wasmTranspose2d } from './transposed-matmul';

/**
 * y = x W for x [N, in], W [in, out] (no bias), with a custom gradient
 *   dx = dy W^T,   dW = x^T dy
 * computed by `matMulT`: on wasm the transposes are explicit and every product is a plain 2-D
 * matmul (the measured 5.7x win of DESIGN.md section 4); elsewhere tf.matMul with transpose flags.
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, fast: boolean): tf.Tensor2D {
  if (x.shape[1] !== w.shape[0]) {
    throw new RangeError(`linear: input has ${x.shape[1]} features but the kernel expects ${w.shape[0]}`);
  }
  const op = customOp(([xIn, wIn], save) => {
    save([xIn!, wIn!]);
    return {
      value: tf.matMul(xIn as tf.Tensor2D, wIn as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [
          matMulT(dy as tf.Tensor2D, ws, false, true, fast),
          matMulT(xs, dy as tf.Tensor2D, true, false, fast),
        ];
      },
    };
  });
  return op(x, w) as tf.Tensor2D;
}

/**
 * y = x W + b (the time MLP and adaLN projections, DDiT's MLP), one fused product-plus-bias kernel
 * forward (a BLAS backend adds the bias in place), with the gradient
 *   dx = dy W^T,   dW = x^T dy,   db = 1^T dy  (column sums, as a [1, N] x [N, out] product on wasm).
 */
export function linearWithBias(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, fast: boolean): tf.Tensor2D {
  if (x.shape[1] !== w.shape[0]) {
    throw new RangeError(`linear: input has ${x.shape[1]} features but the kernel expects ${w.shape[0]}`);
  }
  const op = customOp(([xIn, wIn, bIn], save) => {
    save([xIn!, wIn!]);
    return {
      value: tf.fused.matMul({ a: xIn as tf.Tensor2D, b: wIn as tf.Tensor2D, bias: bIn! }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const dy2 = dy as tf.Tensor2D;
        return [
          matMulT(dy2, ws, false, true, fast),
          matMulT(xs, dy2, true, false, fast),
          tf.reshape(sequenceSum(dy2, 1, fast), [dy2.shape[1]]),
        ];
      },
    };
  });
  return op(x, w, b) as tf.Tensor2D;
}

/**
 * y = x W^T + b with W stored [out, in] (PyTorch's Linear layout; DDiT's output layer keeps it so a
 * 50,258-row checkpoint tensor loads without a transposed copy), gradient
 *   dx = dy W,   dW = dy^T x,   db = 1^T dy.
 * On wasm (`fast`) W is transposed explicitly for the forward product (XNNPACK runs plain products only).
 */
export function linearTransposedWithBias(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  fast: boolean,
): tf.Tensor2D {
  if (x.shape[1] !== w.shape[1]) {
    throw new RangeError(`linear: input has ${x.shape[1]} features but the kernel expects ${w.shape[1]}`);
  }
  const op = customOp(([xIn, wIn, bIn], save) => {
    save([xIn!, wIn!]);
    // tfjs-backend-wasm 4.22's _FusedMatMul is wrong with transposeB and a bias together (max error
    // ~1 on a 6 x 4 x 5 product; cpu is right): on wasm the weight is transposed first.
    const value =
      fast || tf.getBackend() === 'wasm'
        ? tf.tidy(() => {
            const wT = fast ? wasmTranspose2d(wIn as tf.Tensor2D) : tf.transpose(wIn as tf.Tensor2D);
            return tf.fused.matMul({ a: xIn as tf.Tensor2D, b: wT, bias: bIn! });
          })
        : tf.fused.matMul({ a: xIn as tf.Tensor2D, b: wIn as tf.Tensor2D, transposeB: true, bias: bIn! });
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const dy2 = dy as tf.Tensor2D;
        return [
          tf.matMul(dy2, ws),
          matMulT(dy2, xs, true, false, fast),
          tf.reshape(sequenceSum(dy2, 1, fast), [dy2.shape[1]]),
        ];
      },
    };
  });
  return op(x, w, b) as tf.Tensor2D;
}
