import { GELU_TANH_CONSTANTS, GELU_TANH_GRAD_KERNEL, GELU_TANH_KERNEL } from '@md4/core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { sameShapeKernel } from './same-shape-kernel';

/** c, 2k and 6ck rounded to float32, as the composed ops' scalar tensors hold them. */
const { k, c } = GELU_TANH_CONSTANTS;
const CONSTANTS = Float32Array.of(c, 2 * k, 6 * c * k);

/**
 * The tanh-GELU kernels of `@md4/core` (forward, and its gradient), one native call each, for the
 * backend named `backendName`, to pass to tf.registerKernel.
 */
export function geluKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  return [
    sameShapeKernel(GELU_TANH_KERNEL, backendName, ['x'], 1, ([x], [y], n) =>
      addon.geluTanh(x!, y!, n, CONSTANTS),
    ),
    sameShapeKernel(GELU_TANH_GRAD_KERNEL, backendName, ['dy', 'x'], 1, ([dy, x], [dx], n) =>
      addon.geluTanhGrad(dy!, x!, dx!, n, CONSTANTS),
    ),
  ];
}
