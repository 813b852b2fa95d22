import { ROPE_KERNEL, type RopeAttrs } from '@md4/core';
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { float32Of, type NativeKernelArgs, newFloat32 } from './tensor-storage';

/**
 * The rotary-embedding kernel of `@md4/core` (ROPE_KERNEL, both directions by `inverse`), one native
 * pass, for the backend named `backendName`, to pass to tf.registerKernel.
 */
export function ropeKernel(addon: NativeAddon, backendName: string): KernelConfig {
  return {
    kernelName: ROPE_KERNEL,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
      const { x, cos, sin } = inputs as Record<'x' | 'cos' | 'sin', TensorInfo>;
      const [length, half] = cos.shape as [number, number];
      const hd = x.shape[x.shape.length - 1]!;
      const rows = x.shape.length >= 2 ? x.shape[x.shape.length - 2]! : 0;
      if (
        [x, cos, sin].some((t) => t.dtype !== 'float32') ||
        !util.arraysEqual(cos.shape, sin.shape) ||
        hd !== 2 * half ||
        rows !== length
      ) {
        throw new Error(
          `${ROPE_KERNEL}: expected float32 x [..., L, 2 half] with cos and sin [L, half], got x [${x.shape}], cos [${cos.shape}]`,
        );
      }
      const out = newFloat32(backend, x.shape);
      const outer = util.sizeFromShape(x.shape) / Math.max(1, length * hd);
      if (outer * length > 0) {
        const f = (t: TensorInfo) => float32Of(backend, t);
        addon.rope(
          f(x),
          f(cos),
          f(sin),
          out.values,
          outer,
          length,
          half,
          (attrs as unknown as RopeAttrs).inverse,
        );
      }
      return out.info;
    },
  };
}
