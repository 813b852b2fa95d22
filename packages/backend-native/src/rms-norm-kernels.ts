import { RMS_NORM_GRAD_KERNEL, RMS_NORM_KERNEL, type RmsNormAttrs } from '@md4/core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { checkFloat32Shape } from './per-sequence-shape';
import { float32Of, type NativeKernelArgs, newFloat32 } from './tensor-storage';

/** [rows, d] after checking x [rows, d] and scale [d], both float32. */
function rowsAndWidth(kernel: string, x: TensorInfo, scale: TensorInfo): [number, number] {
  const [rows, d] = x.shape as [number, number];
  if (x.shape.length !== 2 || x.dtype !== 'float32' || d < 1) {
    throw new Error(`${kernel}: expected float32 x [N, d] with d >= 1, got ${x.dtype} [${x.shape}]`);
  }
  checkFloat32Shape(kernel, 'scale', scale, [d]);
  return [rows, d];
}

/** The RMS-norm kernels of `@md4/core` (forward, and its gradient), one native pass each. */
export function rmsNormKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  return [
    {
      kernelName: RMS_NORM_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
        const { x, scale } = inputs as Record<'x' | 'scale', TensorInfo>;
        const [rows, d] = rowsAndWidth(RMS_NORM_KERNEL, x, scale);
        const y = newFloat32(backend, [rows, d]);
        const r = newFloat32(backend, [rows]);
        const f = (t: TensorInfo) => float32Of(backend, t);
        if (rows > 0) {
          const { eps } = attrs as unknown as RmsNormAttrs;
          addon.rmsNorm(f(x), f(scale), y.values, r.values, rows, d, eps);
        }
        return [y.info, r.info];
      },
    },
    {
      kernelName: RMS_NORM_GRAD_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend } = args as unknown as NativeKernelArgs;
        const { dy, x, scale, r } = inputs as Record<'dy' | 'x' | 'scale' | 'r', TensorInfo>;
        const [rows, d] = rowsAndWidth(RMS_NORM_GRAD_KERNEL, x, scale);
        checkFloat32Shape(RMS_NORM_GRAD_KERNEL, 'dy', dy, [rows, d]);
        checkFloat32Shape(RMS_NORM_GRAD_KERNEL, 'r', r, [rows]);
        const dx = newFloat32(backend, [rows, d]);
        const dScale = newFloat32(backend, [d]);
        const f = (t: TensorInfo) => float32Of(backend, t);
        addon.rmsNormGrad(f(dy), f(x), f(scale), f(r), dx.values, dScale.values, rows, d);
        return [dx.info, dScale.info];
      },
    },
  ];
}
