import { SIGMOID_GATE_GRAD_KERNEL, SIGMOID_GATE_KERNEL } from '@md4/core';
import { type KernelConfig, util } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { float32Of, type NativeKernelArgs, newFloat32, sameShapeFloat32 } from './tensor-storage';

/**
 * The sigmoid-gate kernels of `@md4/core` (forward, and its gradient), one native pass each, for the
 * backend named `backendName`, to pass to tf.registerKernel.
 */
export function gateKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  return [
    {
      kernelName: SIGMOID_GATE_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend } = args as unknown as NativeKernelArgs;
        const shape = sameShapeFloat32(SIGMOID_GATE_KERNEL, [inputs.gate!, inputs.up!]);
        const out = newFloat32(backend, shape);
        const n = util.sizeFromShape(shape);
        const f = (name: string) => float32Of(backend, inputs[name]!);
        if (n > 0) addon.gate(f('gate'), f('up'), out.values, n);
        return out.info;
      },
    },
    {
      kernelName: SIGMOID_GATE_GRAD_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend } = args as unknown as NativeKernelArgs;
        const shape = sameShapeFloat32(SIGMOID_GATE_GRAD_KERNEL, [inputs.dy!, inputs.gate!, inputs.up!]);
        const dGate = newFloat32(backend, shape);
        const dUp = newFloat32(backend, shape);
        const n = util.sizeFromShape(shape);
        const f = (name: string) => float32Of(backend, inputs[name]!);
        if (n > 0) addon.gateGrad(f('dy'), f('gate'), f('up'), dGate.values, dUp.values, n);
        return [dGate.info, dUp.info];
      },
    },
  ];
}
