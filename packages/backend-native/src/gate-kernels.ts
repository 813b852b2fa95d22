import { SIGMOID_GATE_GRAD_KERNEL, SIGMOID_GATE_KERNEL } from '@md4/core';
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { heapOffset, type NativeKernelArgs, sameShapeFloat32 } from './wasm-heap-backend';

/** @md4/core's sigmoid-gate kernels (forward, and its gradient), one native pass each. */
export function gateKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  return [
    {
      kernelName: SIGMOID_GATE_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend } = args as unknown as NativeKernelArgs;
        const shape = sameShapeFloat32(SIGMOID_GATE_KERNEL, [inputs.gate!, inputs.up!]);
        const out = backend.makeOutput(shape, 'float32');
        const n = util.sizeFromShape(shape);
        const off = (t: TensorInfo) => heapOffset(backend, t);
        if (n > 0) addon.gate(backend.wasm.HEAPU8.buffer, off(inputs.gate!), off(inputs.up!), off(out), n);
        return out;
      },
    },
    {
      kernelName: SIGMOID_GATE_GRAD_KERNEL,
      backendName,
      kernelFunc: (args) => {
        const { inputs, backend } = args as unknown as NativeKernelArgs;
        const shape = sameShapeFloat32(SIGMOID_GATE_GRAD_KERNEL, [inputs.dy!, inputs.gate!, inputs.up!]);
        const dGate = backend.makeOutput(shape, 'float32');
        const dUp = backend.makeOutput(shape, 'float32');
        const n = util.sizeFromShape(shape);
        const off = (t: TensorInfo) => heapOffset(backend, t);
        if (n > 0) {
          addon.gateGrad(
            backend.wasm.HEAPU8.buffer,
            off(inputs.dy!),
            off(inputs.gate!),
            off(inputs.up!),
            off(dGate),
            off(dUp),
            n,
          );
        }
        return [dGate, dUp];
      },
    },
  ];
}
