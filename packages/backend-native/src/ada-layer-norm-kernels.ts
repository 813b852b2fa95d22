import { ADA_LAYER_NORM_GRAD_KERNEL, ADA_LAYER_NORM_KERNEL, type AdaLayerNormAttrs } from '@md4/core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { checkFloat32Shape, perSequenceShape } from './per-sequence-shape';
import { float32Of, type NativeKernelArgs, newFloat32 } from './tensor-storage';

/** The adaLN kernels of `@md4/core` (forward, and its gradient), one native pass each. */
export function adaLayerNormKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  return [
    {
      kernelName: ADA_LAYER_NORM_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
        const { x, shift, scale } = inputs as Record<'x' | 'shift' | 'scale', TensorInfo>;
        const [batch, rows, d] = perSequenceShape(
          ADA_LAYER_NORM_KERNEL,
          x,
          [shift, scale],
          'shift and scale',
        );
        const y = newFloat32(backend, [rows, d]);
        const mean = newFloat32(backend, [rows]);
        const r = newFloat32(backend, [rows]);
        const f = (t: TensorInfo) => float32Of(backend, t);
        if (rows > 0) {
          const { eps } = attrs as unknown as AdaLayerNormAttrs;
          addon.adaLayerNorm(f(x), f(shift), f(scale), y.values, mean.values, r.values, batch, rows, d, eps);
        }
        return [y.info, mean.info, r.info];
      },
    },
    {
      kernelName: ADA_LAYER_NORM_GRAD_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend } = args as unknown as NativeKernelArgs;
        const { dy, x, scale, mean, r } = inputs as Record<'dy' | 'x' | 'scale' | 'mean' | 'r', TensorInfo>;
        const [batch, rows, d] = perSequenceShape(ADA_LAYER_NORM_GRAD_KERNEL, x, [scale], 'scale');
        for (const [name, t, shape] of [
          ['dy', dy, [rows, d]],
          ['mean', mean, [rows]],
          ['r', r, [rows]],
        ] as const) {
          checkFloat32Shape(ADA_LAYER_NORM_GRAD_KERNEL, name, t, shape);
        }
        const dx = newFloat32(backend, [rows, d]);
        const dShift = newFloat32(backend, [batch, d]);
        const dScale = newFloat32(backend, [batch, d]);
        const f = (t: TensorInfo) => float32Of(backend, t);
        addon.adaLayerNormGrad(
          f(dy),
          f(x),
          f(scale),
          f(mean),
          f(r),
          dx.values,
          dShift.values,
          dScale.values,
          batch,
          rows,
          d,
        );
        return [dx.info, dShift.info, dScale.info];
      },
    },
  ];
}
