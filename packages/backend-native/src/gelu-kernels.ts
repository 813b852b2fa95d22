import { GELU_TANH_CONSTANTS, GELU_TANH_GRAD_KERNEL, GELU_TANH_KERNEL } from '@md4/core';
import { type KernelConfig, util } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { float32Of, type NativeKernelArgs, newFloat32, sameShapeFloat32 } from './tensor-storage';

/** c, 2k and 6ck rounded to float32, as the composed ops' scalar tensors hold them. */
const { k, c } = GELU_TANH_CONSTANTS;
const CONSTANTS = Float32Array.of(c, 2 * k, 6 * c * k);

/**
 * The tanh-GELU kernels of `@md4/core` (forward, and its gradient), one native call each, for the
 * backend named `backendName`, to pass to tf.registerKernel.
 */
export function geluKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  return [
    {
      kernelName: GELU_TANH_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend } = args as unknown as NativeKernelArgs;
        const shape = sameShapeFloat32(GELU_TANH_KERNEL, [inputs.x!]);
        const y = newFloat32(backend, shape);
        const n = util.sizeFromShape(shape);
        if (n > 0) addon.geluTanh(float32Of(backend, inputs.x!), y.values, n, CONSTANTS);
        return y.info;
      },
    },
    {
      kernelName: GELU_TANH_GRAD_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend } = args as unknown as NativeKernelArgs;
        const shape = sameShapeFloat32(GELU_TANH_GRAD_KERNEL, [inputs.dy!, inputs.x!]);
        const dx = newFloat32(backend, shape);
        const n = util.sizeFromShape(shape);
        const f = (name: string) => float32Of(backend, inputs[name]!);
        if (n > 0) addon.geluTanhGrad(f('dy'), f('x'), dx.values, n, CONSTANTS);
        return dx.info;
      },
    },
  ];
}
