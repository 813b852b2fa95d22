import {
  backend_util,
  Cast,
  Concat,
  type DataType,
  GatherV2,
  Identity,
  type KernelConfig,
  type KernelFunc,
  Pack,
  Slice,
  SplitV,
  StridedSlice,
  slice_util,
  type TensorInfo,
  Tile,
  Transpose,
  Unpack,
  util,
} from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { type NativeKernelArgs, type NativeStorageBackend, newTensor, valuesOf } from './tensor-storage';

/** Whether these kernels copy tensors of `dtype` (the others go to the cpu backend's kernels). */
function copied(dtype: string): boolean {
  return dtype === 'float32' || dtype === 'int32' || dtype === 'bool';
}

/**
 * out[i0..ir] = x[offset + sum_d i_d * strides[d]] into a new tensor of shape `shape` (the
 * addon's strided copy). `offset` and `strides` count elements of x.
 */
function stridedCopy(
  addon: NativeAddon,
  backend: NativeStorageBackend,
  x: TensorInfo,
  shape: number[],
  offset: number,
  strides: number[],
): TensorInfo {
  const out = newTensor(backend, shape, x.dtype);
  if (util.sizeFromShape(shape) === 0) return out.info;
  addon.copy(valuesOf(backend, x), offset, out.values, Float64Array.from([...shape, ...strides]));
  return out.info;
}

/** x[begin : begin + size] (all axes). */
function nativeSlice(
  addon: NativeAddon,
  backend: NativeStorageBackend,
  x: TensorInfo,
  begin: number[],
  size: number[],
): TensorInfo {
  const strides = x.shape.length === 0 ? [] : [...util.computeStrides(x.shape), 1];
  const offset = begin.reduce((acc, b, d) => acc + b * strides[d]!, 0);
  return stridedCopy(addon, backend, x, size, offset, strides);
}

function transposeKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const x = inputs.x!;
    const perm = attrs.perm as number[];
    if (!copied(x.dtype)) return fallback(args);
    const strides = x.shape.length === 0 ? [] : [...util.computeStrides(x.shape), 1];
    return stridedCopy(
      addon,
      backend,
      x,
      perm.map((p) => x.shape[p]!),
      0,
      perm.map((p) => strides[p]!),
    );
  };
}

function sliceKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const x = inputs.x!;
    if (!copied(x.dtype)) return fallback(args);
    const [begin, size] = slice_util.parseSliceParams(
      x as unknown as Parameters<typeof slice_util.parseSliceParams>[0],
      attrs.begin as number | number[],
      attrs.size as number | number[],
    );
    slice_util.assertParamsValid(
      x as unknown as Parameters<typeof slice_util.assertParamsValid>[0],
      begin!,
      size!,
    );
    return nativeSlice(addon, backend, x, begin!, size!);
  };
}

function unpackKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const x = inputs.value!;
    if (!copied(x.dtype)) return fallback(args);
    const rank = x.shape.length;
    const axis = (attrs.axis as number) < 0 ? (attrs.axis as number) + rank : (attrs.axis as number);
    const outShape = x.shape.filter((_, d) => d !== axis);
    const begin = new Array<number>(rank).fill(0);
    const size = x.shape.slice();
    size[axis] = 1;
    const outs: TensorInfo[] = [];
    for (let i = 0; i < x.shape[axis]!; i++) {
      begin[axis] = i;
      const part = nativeSlice(addon, backend, x, begin, size);
      outs.push({ dataId: part.dataId, dtype: part.dtype, shape: outShape });
    }
    return outs;
  };
}

function splitVKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const x = inputs.x!;
    if (!copied(x.dtype)) return fallback(args);
    const axis = util.parseAxisParam(attrs.axis as number, x.shape)[0]!;
    const sizes = backend_util.prepareSplitSize(
      x as unknown as Parameters<typeof backend_util.prepareSplitSize>[0],
      attrs.numOrSizeSplits as number | number[],
      axis,
    );
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[axis] = s;
      const part = nativeSlice(addon, backend, x, begin, size);
      begin[axis]! += s;
      return part;
    });
  };
}

function stridedSliceKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const x = inputs.x!;
    if (!copied(x.dtype)) return fallback(args);
    const info = slice_util.sliceInfo(
      x.shape,
      attrs.begin as number[],
      attrs.end as number[],
      attrs.strides as number[],
      attrs.beginMask as number,
      attrs.endMask as number,
      attrs.ellipsisMask as number,
      attrs.newAxisMask as number,
      attrs.shrinkAxisMask as number,
    );
    if (info.isIdentity) return fallback(args); // a reshape: no copy to speed up
    // Any begin/end/strides (negative steps too): out[i] = x[begin + i * step] per axis.
    const sizes = slice_util.computeOutShape(info.begin, info.end, info.strides);
    const xStrides = x.shape.length === 0 ? [] : [...util.computeStrides(x.shape), 1];
    const offset = info.begin.reduce((acc, b, d) => acc + b * xStrides[d]!, 0);
    const steps = info.strides.map((s, d) => s * xStrides[d]!);
    const out = stridedCopy(addon, backend, x, sizes, offset, steps);
    return { dataId: out.dataId, dtype: out.dtype, shape: info.finalShape };
  };
}

/**
 * Tile: out = x repeated reps[d] times along each axis d, read as the strided copy of shape
 * [reps0, d0, reps1, d1, ...] with strides [0, s0, 0, s1, ...].
 */
function tileKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const x = inputs.x!;
    const reps = attrs.reps as number[];
    if (!copied(x.dtype) || reps.length !== x.shape.length) return fallback(args);
    const strides = x.shape.length === 0 ? [] : [...util.computeStrides(x.shape), 1];
    const shape = x.shape.flatMap((d, i) => [reps[i]!, d]);
    const out = stridedCopy(
      addon,
      backend,
      x,
      shape,
      0,
      x.shape.flatMap((_, i) => [0, strides[i]!]),
    );
    return { dataId: out.dataId, dtype: out.dtype, shape: x.shape.map((d, i) => d * reps[i]!) };
  };
}

/**
 * Concatenation along `axis` of tensors that agree elsewhere: [outer, inner_i] blocks laid side
 * by side per row. Empty inputs are skipped.
 */
function nativeConcat(
  addon: NativeAddon,
  backend: NativeStorageBackend,
  inputs: TensorInfo[],
  axis: number,
  outShape: number[],
): TensorInfo {
  const dtype = inputs[0]!.dtype;
  const out = newTensor(backend, outShape, dtype);
  const nonEmpty = inputs.filter((t) => util.sizeFromShape(t.shape) > 0);
  if (util.sizeFromShape(outShape) === 0 || nonEmpty.length === 0) return out.info;
  const outer = util.sizeFromShape(outShape.slice(0, axis));
  const inners = Float64Array.from(nonEmpty, (t) => util.sizeFromShape(t.shape) / outer);
  addon.concat(
    out.values,
    outer,
    nonEmpty.map((t) => valuesOf(backend, t)),
    inners,
  );
  return out.info;
}

function concatKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { backend, attrs } = args as unknown as NativeKernelArgs;
    const inputs = (args as unknown as { inputs: TensorInfo[] }).inputs;
    const dtype = inputs[0]?.dtype ?? 'string';
    if (!copied(dtype) || inputs.some((t) => t.dtype !== dtype)) return fallback(args);
    const axis = util.parseAxisParam(attrs.axis as number, inputs[0]!.shape)[0]!;
    const shapes = inputs.map((t) => t.shape);
    backend_util.assertParamsConsistent(shapes, axis);
    return nativeConcat(addon, backend, inputs, axis, backend_util.computeOutShape(shapes, axis));
  };
}

function packKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { backend, attrs } = args as unknown as NativeKernelArgs;
    const inputs = (args as unknown as { inputs: TensorInfo[] }).inputs;
    const first = inputs[0];
    if (first == null || !copied(first.dtype)) return fallback(args);
    const rank = first.shape.length;
    const axis = (attrs.axis as number) < 0 ? (attrs.axis as number) + rank + 1 : (attrs.axis as number);
    for (const t of inputs) {
      util.assertShapesMatch(first.shape, t.shape, 'All tensors passed to stack must have matching shapes');
      util.assert(first.dtype === t.dtype, () => 'All tensors passed to stack must have matching dtypes');
    }
    const outShape = [...first.shape.slice(0, axis), inputs.length, ...first.shape.slice(axis)];
    return nativeConcat(addon, backend, inputs, axis, outShape);
  };
}

/**
 * GatherV2 without batch dimensions (an embedding lookup): x [outer, axisDim, inner] and int32
 * indices of any shape give [outer, ...indices.shape, inner], a copy of one inner block of x per
 * index (a memcpy each for long blocks). An index outside [0, axisDim) is refused with the cpu
 * kernel's message.
 */
function gatherKernel(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const x = inputs.x!;
    const indices = inputs.indices!;
    if (!copied(x.dtype) || indices.dtype !== 'int32' || ((attrs.batchDims as number | undefined) ?? 0) !== 0)
      return fallback(args);
    const axis = util.parseAxisParam(attrs.axis as number, x.shape)[0]!;
    const axisDim = x.shape[axis]!;
    const picks = valuesOf(backend, indices) as Int32Array;
    for (const index of picks) {
      util.assert(
        index <= axisDim - 1 && index >= 0,
        () => `GatherV2: the index value ${index} is not in [0, ${axisDim - 1}]`,
      );
    }
    const outer = util.sizeFromShape(x.shape.slice(0, axis));
    const inner = util.sizeFromShape(x.shape.slice(axis + 1));
    const out = newTensor(
      backend,
      [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)],
      x.dtype,
    );
    const from = valuesOf(backend, x);
    const to = out.values;
    let at = 0;
    for (let o = 0; o < outer; o++) {
      const base = o * axisDim;
      for (const index of picks) {
        const start = (base + index) * inner;
        if (inner >= 16) to.set(from.subarray(start, start + inner), at);
        else for (let j = 0; j < inner; j++) to[at + j] = from[start + j]!;
        at += inner;
      }
    }
    return out.info;
  };
}

/**
 * Identity, and Cast to the same dtype, share the input's data (a reference count, no copy), as
 * the cpu backend's kernels do: tfjs never writes into a tensor's memory after creating it.
 */
function shareKernel(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const x = inputs.x!;
    if (x.dtype === 'string' || (attrs?.dtype != null && attrs.dtype !== x.dtype)) return fallback(args);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, dtype: x.dtype, shape: x.shape };
  };
}

// Element type codes of the addon's cast (native/src/elementwise.h, namespace cast).
const castCodes: Partial<Record<DataType, number>> = { float32: 0, int32: 1, bool: 2 };
// The conversions the addon makes, "from>to" (float32 to int32 stays with the cpu kernel).
const nativeCasts = new Set(['bool>float32', 'int32>float32', 'bool>int32', 'int32>bool', 'float32>bool']);

/**
 * Cast: to the same dtype shares the input's data (shareKernel); bool or int32 to float32, bool to
 * int32, int32 or float32 to bool (x != 0) convert natively into a new array; the rest is `fallback`.
 */
function castKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  const share = shareKernel(fallback);
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const x = inputs.x!;
    const dtype = attrs.dtype as DataType;
    if (dtype === x.dtype) return share(args);
    if (!nativeCasts.has(`${x.dtype}>${dtype}`)) return fallback(args);
    const out = newTensor(backend, x.shape, dtype);
    const n = util.sizeFromShape(x.shape);
    if (n > 0) addon.cast(valuesOf(backend, x), out.values, n, castCodes[x.dtype]!, castCodes[dtype]!);
    return out.info;
  };
}

/** Native data-movement kernels (multi-threaded strided copies, shared data), as overrides of the cpu backend's. */
export function copyKernelOverrides(addon: NativeAddon): Record<string, (base: KernelConfig) => KernelFunc> {
  return {
    [Transpose]: (w) => transposeKernel(addon, w.kernelFunc),
    [Slice]: (w) => sliceKernel(addon, w.kernelFunc),
    [Unpack]: (w) => unpackKernel(addon, w.kernelFunc),
    [SplitV]: (w) => splitVKernel(addon, w.kernelFunc),
    [StridedSlice]: (w) => stridedSliceKernel(addon, w.kernelFunc),
    [Concat]: (w) => concatKernel(addon, w.kernelFunc),
    [Tile]: (w) => tileKernel(addon, w.kernelFunc),
    [Pack]: (w) => packKernel(addon, w.kernelFunc),
    [GatherV2]: (w) => gatherKernel(w.kernelFunc),
    [Identity]: (w) => shareKernel(w.kernelFunc),
    [Cast]: (w) => castKernel(addon, w.kernelFunc),
  };
}
