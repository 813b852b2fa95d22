import {
  ADAMW_UPDATE_KERNEL,
  type AdamWUpdateAttrs,
  EMA_UPDATE_KERNEL,
  type EmaUpdateAttrs,
} from '@md4/core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { sameShapeKernel } from './same-shape-kernel';

/**
 * The fused optimizer kernels of `@md4/core` (AdamW and EMA updates), computed by the addon in one
 * multi-threaded pass per parameter, for the backend named `backendName`.
 */
export function optimizerKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  return [
    sameShapeKernel(
      ADAMW_UPDATE_KERNEL,
      backendName,
      ['param', 'grad', 'm', 'v'],
      3,
      ([param, grad, m, v], [outP, outM, outV], n, attrs) => {
        const a = attrs as unknown as AdamWUpdateAttrs;
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
        addon.adamw(param!, grad!, m!, v!, outP!, outM!, outV!, n, constants);
      },
    ),
    sameShapeKernel(
      EMA_UPDATE_KERNEL,
      backendName,
      ['shadow', 'param'],
      1,
      ([shadow, param], [out], n, attrs) =>
        addon.ema(shadow!, param!, out!, n, (attrs as unknown as EmaUpdateAttrs).decay),
    ),
  ];
}
