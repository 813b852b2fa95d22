import {
  ADAMW_UPDATE_KERNEL,
  type AdamWUpdateAttrs,
  EMA_UPDATE_KERNEL,
  type EmaUpdateAttrs,
} from '@md4/core';
import { type KernelConfig, util } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { float32Of, type NativeKernelArgs, newFloat32, sameShapeFloat32 } from './tensor-storage';

/**
 * The fused optimizer kernels of `@md4/core` (AdamW and EMA updates), computed by the addon in one
 * multi-threaded pass per parameter, for the backend named `backendName`.
 */
export function optimizerKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  return [
    {
      kernelName: ADAMW_UPDATE_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
        const shape = sameShapeFloat32(ADAMW_UPDATE_KERNEL, [
          inputs.param!,
          inputs.grad!,
          inputs.m!,
          inputs.v!,
        ]);
        const a = attrs as unknown as AdamWUpdateAttrs;
        const outs = [0, 1, 2].map(() => newFloat32(backend, shape));
        const n = util.sizeFromShape(shape);
        if (n > 0) {
          const f = (name: string) => float32Of(backend, inputs[name]!);
          const constants = Float64Array.of(
            a.beta1,
            a.beta2,
            a.eps,
            a.lr,
            a.weightDecay,
            a.biasCorrection1,
            a.biasCorrection2,
            a.gradScale,
          );
          const [p, m, v] = outs.map((o) => o.values);
          addon.adamw(f('param'), f('grad'), f('m'), f('v'), p!, m!, v!, n, constants);
        }
        return outs.map((o) => o.info);
      },
    },
    {
      kernelName: EMA_UPDATE_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
        const shape = sameShapeFloat32(EMA_UPDATE_KERNEL, [inputs.shadow!, inputs.param!]);
        const out = newFloat32(backend, shape);
        const n = util.sizeFromShape(shape);
        if (n > 0) {
          const f = (name: string) => float32Of(backend, inputs[name]!);
          addon.ema(f('shadow'), f('param'), out.values, n, (attrs as unknown as EmaUpdateAttrs).decay);
        }
        return out.info;
      },
    },
  ];
}
