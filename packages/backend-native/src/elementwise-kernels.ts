import {
  Abs,
  Add,
  backend_util,
  Exp,
  type KernelConfig,
  type KernelFunc,
  Log,
  Max,
  Maximum,
  Mean,
  Min,
  Minimum,
  Multiply,
  Neg,
  RealDiv,
  Reciprocal,
  Relu,
  Rsqrt,
  Sigmoid,
  Softmax,
  Sqrt,
  Square,
  SquaredDifference,
  Sub,
  Sum,
  util,
} from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { heapOffset, type NativeKernelArgs } from './wasm-heap-backend';

// Op codes of native/src/elementwise.h (namespace ew); keep the orders identical.
const unaryCodes: Record<string, number> = {
  [Neg]: 0,
  [Abs]: 1,
  [Exp]: 2,
  [Log]: 3,
  [Sqrt]: 4,
  [Rsqrt]: 5,
  [Square]: 6,
  [Sigmoid]: 7,
  [Relu]: 8,
  [Reciprocal]: 9,
};
const binaryCodes: Record<string, number> = {
  [Add]: 0,
  [Sub]: 1,
  [Multiply]: 2,
  [RealDiv]: 3,
  [Maximum]: 4,
  [Minimum]: 5,
  [SquaredDifference]: 6,
};
const reduceCodes: Record<string, number> = { [Sum]: 0, [Max]: 1, [Min]: 2, [Mean]: 3 };

function unaryKernel(addon: NativeAddon, code: number, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend } = args as unknown as NativeKernelArgs;
    const x = inputs.x!;
    if (x.dtype !== 'float32') return fallback(args);
    const out = backend.makeOutput(x.shape, 'float32');
    const n = util.sizeFromShape(x.shape);
    if (n > 0)
      addon.unary(backend.wasm.HEAPU8.buffer, code, heapOffset(backend, x), heapOffset(backend, out), n);
    return out;
  };
}

/** Strides (elements) of `shape` read as `outShape` under broadcasting: 0 along broadcast axes. */
function broadcastStrides(shape: number[], outShape: number[]): number[] {
  const strides = new Array<number>(outShape.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = outShape.length - shape.length + i;
    strides[o] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i]!;
  }
  return strides;
}

function binaryKernel(addon: NativeAddon, code: number, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend } = args as unknown as NativeKernelArgs;
    const { a, b } = inputs;
    if (a!.dtype !== 'float32' || b!.dtype !== 'float32') return fallback(args);
    const outShape = backend_util.assertAndGetBroadcastShape(a!.shape, b!.shape);
    const out = backend.makeOutput(outShape, 'float32');
    if (util.sizeFromShape(outShape) === 0) return out;
    const layout = Float64Array.from([
      ...outShape,
      ...broadcastStrides(a!.shape, outShape),
      ...broadcastStrides(b!.shape, outShape),
    ]);
    addon.binary(
      backend.wasm.HEAPU8.buffer,
      code,
      heapOffset(backend, a!),
      heapOffset(backend, b!),
      heapOffset(backend, out),
      layout,
    );
    return out;
  };
}

function softmaxKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const x = inputs.logits!;
    const rank = x.shape.length;
    const dim = attrs.dim as number;
    if (x.dtype !== 'float32' || rank === 0 || (dim !== -1 && dim !== rank - 1)) return fallback(args);
    const out = backend.makeOutput(x.shape, 'float32');
    const n = x.shape[rank - 1]!;
    const rows = util.sizeFromShape(x.shape) / Math.max(n, 1);
    if (rows * n > 0) {
      addon.softmax(backend.wasm.HEAPU8.buffer, heapOffset(backend, x), heapOffset(backend, out), rows, n);
    }
    return out;
  };
}

/**
 * Sum, Mean, Max, Min of float32 over axes that form one contiguous block (any axes of a
 * transformer's reductions: rows, columns, batch); other cases go to `fallback`.
 */
function reduceKernel(addon: NativeAddon, code: number, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const x = inputs.x!;
    if (x.dtype !== 'float32' || x.shape.length === 0) return fallback(args);
    // Max names its axes `reductionIndices`; Sum, Mean and Min name them `axis`.
    const axis = (attrs.reductionIndices ?? attrs.axis) as number | number[];
    const axes = [...util.parseAxisParam(axis, x.shape)].sort((p, q) => p - q);
    if (axes.length === 0 || axes.some((ax, i) => i > 0 && ax !== axes[i - 1]! + 1)) return fallback(args);
    const first = axes[0]!;
    const last = axes[axes.length - 1]!;
    const outer = util.sizeFromShape(x.shape.slice(0, first));
    const r = util.sizeFromShape(x.shape.slice(first, last + 1));
    const inner = util.sizeFromShape(x.shape.slice(last + 1));
    if (r === 0) return fallback(args);
    const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    const shape = attrs.keepDims === true ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    const out = backend.makeOutput(shape, 'float32');
    if (outer * inner > 0) {
      addon.reduce(
        backend.wasm.HEAPU8.buffer,
        code,
        heapOffset(backend, x),
        heapOffset(backend, out),
        outer,
        r,
        inner,
      );
    }
    return out;
  };
}

/** Native float32 elementwise, softmax and reduction kernels, as overrides of wasm's. */
export function elementwiseKernelOverrides(
  addon: NativeAddon,
): Record<string, (wasm: KernelConfig) => KernelFunc> {
  const overrides: Record<string, (wasm: KernelConfig) => KernelFunc> = {
    [Softmax]: (w) => softmaxKernel(addon, w.kernelFunc),
  };
  for (const [name, code] of Object.entries(unaryCodes))
    overrides[name] = (w) => unaryKernel(addon, code, w.kernelFunc);
  for (const [name, code] of Object.entries(binaryCodes))
    overrides[name] = (w) => binaryKernel(addon, code, w.kernelFunc);
  for (const [name, code] of Object.entries(reduceCodes))
    overrides[name] = (w) => reduceKernel(addon, code, w.kernelFunc);
  return overrides;
}
