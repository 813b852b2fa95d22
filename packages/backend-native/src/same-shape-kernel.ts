import { type KernelConfig, util } from '@tensorflow/tfjs-core';
import { float32Of, type NativeKernelArgs, newFloat32, sameShapeFloat32 } from './tensor-storage';

/**
 * The KernelConfig of an elementwise native kernel: its float32 inputs, named `inputNames`, share
 * one shape (an Error naming `kernelName` otherwise), and it returns `outputCount` new tensors of
 * that shape (the tensor itself when `outputCount` is 1). `compute(inputs, outputs, n, attrs)`
 * writes every one of the n values of each output, from the inputs in `inputNames`' order; it is
 * not called when n is 0.
 */
export function sameShapeKernel(
  kernelName: string,
  backendName: string,
  inputNames: readonly string[],
  outputCount: number,
  compute: (
    inputs: Float32Array[],
    outputs: Float32Array[],
    n: number,
    attrs: Record<string, unknown>,
  ) => void,
): KernelConfig {
  return {
    kernelName,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
      const tensors = inputNames.map((name) => inputs[name]!);
      const shape = sameShapeFloat32(kernelName, tensors);
      const outputs = Array.from({ length: outputCount }, () => newFloat32(backend, shape));
      const n = util.sizeFromShape(shape);
      if (n > 0) {
        compute(
          tensors.map((t) => float32Of(backend, t)),
          outputs.map((o) => o.values),
          n,
          attrs,
        );
      }
      return outputCount === 1 ? outputs[0]!.info : outputs.map((o) => o.info);
    },
  };
}
