import { SIGMOID_GATE_GRAD_KERNEL, SIGMOID_GATE_KERNEL } from '@md4/core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { sameShapeKernel } from './same-shape-kernel';

/**
 * The sigmoid-gate kernels of `@md4/core` (forward, and its gradient), one native pass each, for the
 * backend named `backendName`, to pass to tf.registerKernel.
 */
export function gateKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  return [
    sameShapeKernel(SIGMOID_GATE_KERNEL, backendName, ['gate', 'up'], 1, ([gate, up], [out], n) =>
      addon.gate(gate!, up!, out!, n),
    ),
    sameShapeKernel(
      SIGMOID_GATE_GRAD_KERNEL,
      backendName,
      ['dy', 'gate', 'up'],
      2,
      ([dy, gate, up], [dGate, dUp], n) => addon.gateGrad(dy!, gate!, up!, dGate!, dUp!, n),
    ),
  ];
}
