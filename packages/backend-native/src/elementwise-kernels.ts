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
  Select,
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
import { float32Of, type NativeKernelArgs, newFloat32, valuesOf } from './tensor-storage';

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
    const out = newFloat32(backend, x.shape);
    const n = util.sizeFromShape(x.shape);
    if (n > 0) addon.unary(code, float32Of(backend, x), out.values, n);
    return out.info;
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
    const out = newFloat32(backend, outShape);
    if (util.sizeFromShape(outShape) === 0) return out.info;
    const layout = Float64Array.from([
      ...outShape,
      ...broadcastStrides(a!.shape, outShape),
      ...broadcastStrides(b!.shape, outShape),
    ]);
    addon.binary(code, float32Of(backend, a!), float32Of(backend, b!), out.values, layout);
    return out.info;
  };
}

/** tf.where(condition, t, e) with a bool condition and float32 t and e of one shape; else `fallback`. */
function selectKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend } = args as unknown as NativeKernelArgs;
    const { condition, t, e } = inputs;
    if (
      condition!.dtype !== 'bool' ||
      t!.dtype !== 'float32' ||
      e!.dtype !== 'float32' ||
      !util.arraysEqual(condition!.shape, t!.shape) ||
      !util.arraysEqual(t!.shape, e!.shape)
    )
      return fallback(args);
    const out = newFloat32(backend, t!.shape);
    const n = util.sizeFromShape(t!.shape);
    if (n > 0)
      addon.select(
        valuesOf(backend, condition!) as Uint8Array,
        float32Of(backend, t!),
        float32Of(backend, e!),
        out.values,
        n,
      );
    return out.info;
  };
}

function softmaxKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const x = inputs.logits!;
    const rank = x.shape.length;
    const dim = attrs.dim as number;
    if (x.dtype !== 'float32' || rank === 0 || (dim !== -1 && dim !== rank - 1)) return fallback(args);
    const out = newFloat32(backend, x.shape);
    const n = x.shape[rank - 1]!;
    const rows = util.sizeFromShape(x.shape) / Math.max(n, 1);
    if (rows * n > 0) addon.softmax(float32Of(backend, x), out.values, rows, n);
    return out.info;
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
    const out = newFloat32(backend, shape);
    if (outer * inner > 0) addon.reduce(code, float32Of(backend, x), out.values, outer, r, inner);
    return out.info;
  };
}

/** Native float32 elementwise, select, softmax and reduction kernels, as overrides of the cpu backend's. */
export function elementwiseKernelOverrides(
  addon: NativeAddon,
): Record<string, (base: KernelConfig) => KernelFunc> {
  const overrides: Record<string, (base: KernelConfig) => KernelFunc> = {
    [Softmax]: (w) => softmaxKernel(addon, w.kernelFunc),
    [Select]: (w) => selectKernel(addon, w.kernelFunc),
  };
  for (const [name, code] of Object.entries(unaryCodes))
    overrides[name] = (w) => unaryKernel(addon, code, w.kernelFunc);
  for (const [name, code] of Object.entries(binaryCodes))
    overrides[name] = (w) => binaryKernel(addon, code, w.kernelFunc);
  for (const [name, code] of Object.entries(reduceCodes))
    overrides[name] = (w) => reduceKernel(addon, code, w.kernelFunc);
  return overrides;
}
