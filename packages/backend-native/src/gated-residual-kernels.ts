import { GATED_RESIDUAL_GRAD_KERNEL, GATED_RESIDUAL_KERNEL } from '@md4/core';
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { perSequenceShape } from './per-sequence-shape';
import { float32Of, type NativeKernelArgs, newFloat32 } from './tensor-storage';

/** Throws unless `t` (the kernel's input `name`) is float32 of the shape of x [rows, d]. */
function checkRowsLike(kernel: string, name: string, t: TensorInfo, rows: number, d: number) {
  if (t.dtype !== 'float32' || !util.arraysEqual(t.shape, [rows, d])) {
    throw new Error(`${kernel}: ${name} must be float32 [${rows},${d}], got ${t.dtype} [${t.shape}]`);
  }
}

/**
 * The gated-residual kernels of `@md4/core` (y = x + gate_b * branch, and its gradient), one
 * native pass each, for the backend named `backendName`, to pass to tf.registerKernel.
 */
export function gatedResidualKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  return [
    {
      kernelName: GATED_RESIDUAL_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend } = args as unknown as NativeKernelArgs;
        const { x, gate, branch } = inputs as Record<'x' | 'gate' | 'branch', TensorInfo>;
        const [batch, rows, d] = perSequenceShape(GATED_RESIDUAL_KERNEL, x, [gate], 'gate');
        checkRowsLike(GATED_RESIDUAL_KERNEL, 'branch', branch, rows, d);
        const y = newFloat32(backend, [rows, d]);
        const f = (t: TensorInfo) => float32Of(backend, t);
        if (rows > 0) addon.gatedResidual(f(x), f(gate), f(branch), y.values, batch, rows, d);
        return y.info;
      },
    },
    {
      kernelName: GATED_RESIDUAL_GRAD_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend } = args as unknown as NativeKernelArgs;
        const { dy, gate, branch } = inputs as Record<'dy' | 'gate' | 'branch', TensorInfo>;
        const [batch, rows, d] = perSequenceShape(GATED_RESIDUAL_GRAD_KERNEL, dy, [gate], 'gate');
        checkRowsLike(GATED_RESIDUAL_GRAD_KERNEL, 'branch', branch, rows, d);
        const dGate = newFloat32(backend, [batch, d]);
        const dBranch = newFloat32(backend, [rows, d]);
        const f = (t: TensorInfo) => float32Of(backend, t);
        addon.gatedResidualGrad(f(dy), f(gate), f(branch), dGate.values, dBranch.values, batch, rows, d);
        return [dGate.info, dBranch.info];
      },
    },
  ];
}
