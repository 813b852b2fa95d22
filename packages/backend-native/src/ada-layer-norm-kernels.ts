import { ADA_LAYER_NORM_GRAD_KERNEL, ADA_LAYER_NORM_KERNEL, type AdaLayerNormAttrs } from '@md4/core';
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { heapOffset, type NativeKernelArgs } from './wasm-heap-backend';

/** [batch, rows, d] after checking x [rows, d] and the per-sequence [batch, d] tensors, all float32. */
function normShape(kernel: string, x: TensorInfo, perSequence: TensorInfo[]): [number, number, number] {
  const [rows, d] = x.shape as [number, number];
  const batch = perSequence[0]!.shape[0]!;
  const ok =
    x.shape.length === 2 &&
    batch >= 1 &&
    rows % batch === 0 &&
    [x, ...perSequence].every((t) => t.dtype === 'float32') &&
    perSequence.every((t) => t.shape.length === 2 && t.shape[0] === batch && t.shape[1] === d);
  if (!ok) {
    throw new Error(
      `${kernel}: expected float32 x [B*P, d] with shift and scale [B, d], got x [${x.shape}], [${perSequence[0]!.shape}]`,
    );
  }
  return [batch, rows, d];
}

/** @md4/core's adaLN kernels (forward, and its gradient), one native pass each. */
export function adaLayerNormKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  return [
    {
      kernelName: ADA_LAYER_NORM_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
        const { x, shift, scale } = inputs as Record<'x' | 'shift' | 'scale', TensorInfo>;
        const [batch, rows, d] = normShape(ADA_LAYER_NORM_KERNEL, x, [shift, scale]);
        const y = backend.makeOutput([rows, d], 'float32');
        const mean = backend.makeOutput([rows], 'float32');
        const r = backend.makeOutput([rows], 'float32');
        const off = (t: TensorInfo) => heapOffset(backend, t);
        if (rows > 0) {
          const { eps } = attrs as unknown as AdaLayerNormAttrs;
          addon.adaLayerNorm(
            backend.wasm.HEAPU8.buffer,
            off(x),
            off(shift),
            off(scale),
            off(y),
            off(mean),
            off(r),
            batch,
            rows,
            d,
            eps,
          );
        }
        return [y, mean, r];
      },
    },
    {
      kernelName: ADA_LAYER_NORM_GRAD_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend } = args as unknown as NativeKernelArgs;
        const { dy, x, scale, mean, r } = inputs as Record<'dy' | 'x' | 'scale' | 'mean' | 'r', TensorInfo>;
        const [batch, rows, d] = normShape(ADA_LAYER_NORM_GRAD_KERNEL, x, [scale]);
        for (const [name, t, shape] of [
          ['dy', dy, [rows, d]],
          ['mean', mean, [rows]],
          ['r', r, [rows]],
        ] as const) {
          if (t.dtype !== 'float32' || !util.arraysEqual(t.shape, [...shape])) {
            throw new Error(
              `${ADA_LAYER_NORM_GRAD_KERNEL}: ${name} must be float32 [${shape}], got [${t.shape}]`,
            );
          }
        }
        const dx = backend.makeOutput([rows, d], 'float32');
        const dShift = backend.makeOutput([batch, d], 'float32');
        const dScale = backend.makeOutput([batch, d], 'float32');
        const off = (t: TensorInfo) => heapOffset(backend, t);
        addon.adaLayerNormGrad(
          backend.wasm.HEAPU8.buffer,
          off(dy),
          off(x),
          off(scale),
          off(mean),
          off(r),
          off(dx),
          off(dShift),
          off(dScale),
          batch,
          rows,
          d,
        );
        return [dx, dShift, dScale];
      },
    },
  ];
}
