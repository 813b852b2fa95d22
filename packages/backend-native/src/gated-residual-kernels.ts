import { GATED_RESIDUAL_GRAD_KERNEL, GATED_RESIDUAL_KERNEL } from '@md4/core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { checkFloat32Shape, perSequenceShape } from './per-sequence-shape';
import { float32Of, type NativeKernelArgs, newFloat32 } from './tensor-storage';

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
        checkFloat32Shape(GATED_RESIDUAL_KERNEL, 'branch', branch, [rows, d]);
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
        checkFloat32Shape(GATED_RESIDUAL_GRAD_KERNEL, 'branch', branch, [rows, d]);
        const dGate = newFloat32(backend, [batch, d]);
        const dBranch = newFloat32(backend, [rows, d]);
        const f = (t: TensorInfo) => float32Of(backend, t);
        addon.gatedResidualGrad(f(dy), f(gate), f(branch), dGate.values, dBranch.values, batch, rows, d);
        return [dGate.info, dBranch.info];
      },
    },
  ];
}
