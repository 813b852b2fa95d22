import {
  ADAMW_UPDATE_KERNEL,
  type AdamWUpdateAttrs,
  EMA_UPDATE_KERNEL,
  type EmaUpdateAttrs,
} from '@md4/core';
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { heapOffset, type NativeKernelArgs, sameShapeFloat32 } from './wasm-heap-backend';

/**
 * The fused optimizer kernels of @md4/core (AdamW and EMA updates), computed by the addon in one
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
        const outs = [0, 1, 2].map(() => backend.makeOutput(shape, 'float32'));
        const n = util.sizeFromShape(shape);
        if (n > 0) {
          const off = (t: TensorInfo) => heapOffset(backend, t);
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
          // the heap buffer after the outputs were made (making them may grow it)
          addon.adamw(
            backend.wasm.HEAPU8.buffer,
            off(inputs.param!),
            off(inputs.grad!),
            off(inputs.m!),
            off(inputs.v!),
            off(outs[0]!),
            off(outs[1]!),
            off(outs[2]!),
            n,
            constants,
          );
        }
        return outs;
      },
    },
    {
      kernelName: EMA_UPDATE_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
        const shape = sameShapeFloat32(EMA_UPDATE_KERNEL, [inputs.shadow!, inputs.param!]);
        const out = backend.makeOutput(shape, 'float32');
        const n = util.sizeFromShape(shape);
        if (n > 0) {
          addon.ema(
            backend.wasm.HEAPU8.buffer,
            heapOffset(backend, inputs.shadow!),
            heapOffset(backend, inputs.param!),
            heapOffset(backend, out),
            n,
            (attrs as unknown as EmaUpdateAttrs).decay,
          );
        }
        return out;
      },
    },
  ];
}
