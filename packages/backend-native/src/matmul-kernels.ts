import {
  _FusedMatMul,
  BatchMatMul,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { requestedPrecisionCode } from './matmul-precision';
import { float32Of, type NativeStorageBackend, newFloat32 } from './tensor-storage';

/** Activation codes of the addon's gemm, by tfjs fused activation name. */
const activationCodes: Record<string, number> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  sigmoid: 3,
  leakyrelu: 4,
  elu: 5,
};

interface MatMulOperands {
  a: TensorInfo;
  b: TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  bias?: TensorInfo | null | undefined;
  activation?: number | undefined;
  activationAlpha?: number | undefined;
}

/** Broadcast of two batch shapes (numpy rules), or null when they do not broadcast. */
function broadcastShape(s: number[], t: number[]): number[] | null {
  const rank = Math.max(s.length, t.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = s[s.length - rank + i] ?? 1;
    const y = t[t.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(Math.max(x, y));
  }
  return out;
}

/** Flat batch index into `shape` (left-padded with 1s) of the out-batch coordinates of `o`. */
function broadcastIndex(o: number, outShape: number[], shape: number[]): number {
  let index = 0;
  let stride = 1;
  let rest = o;
  for (let i = outShape.length - 1; i >= 0; i--) {
    const dim = outShape[i]!;
    const coord = rest % dim;
    rest = Math.floor(rest / dim);
    const own = shape[shape.length - outShape.length + i] ?? 1;
    if (own !== 1) index += coord * stride;
    stride *= own;
  }
  return index;
}

/**
 * op(A) op(B) (+ bias, activation) with the addon. Returns null where the operands are outside
 * what the addon handles (the caller then runs the cpu backend's kernel).
 */
function nativeMatMul(
  addon: NativeAddon,
  backend: NativeStorageBackend,
  o: MatMulOperands,
): TensorInfo | null {
  const { a, b, transposeA, transposeB } = o;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb) {
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} ` +
        `and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const batchShapeA = a.shape.slice(0, -2);
  const batchShapeB = b.shape.slice(0, -2);
  const outBatchShape = broadcastShape(batchShapeA, batchShapeB);
  if (outBatchShape == null) return null; // let the cpu kernel report the shape error
  if (o.bias != null) {
    if (o.bias.dtype !== 'float32' || util.sizeFromShape(o.bias.shape) !== n || o.bias.shape.at(-1) !== n) {
      return null;
    }
    if (o.bias.shape.some((d, i) => i < o.bias!.shape.length - 1 && d !== 1)) return null;
  }
  const batchA = util.sizeFromShape(batchShapeA);
  const batchB = util.sizeFromShape(batchShapeB);
  const batch = util.sizeFromShape(outBatchShape);

  const out = newFloat32(backend, [...outBatchShape, m, n]);
  if (batch * m * n === 0) return out.info;
  const aValues = float32Of(backend, a);
  const bValues = float32Of(backend, b);
  const cValues = out.values;
  const bias = o.bias == null ? null : float32Of(backend, o.bias);
  const act = o.activation ?? 0;
  const alpha = o.activationAlpha ?? 0;
  // a Trainer's or forward pass's precision (@md4/core's withMatMulPrecision), else the backend's
  const precision = requestedPrecisionCode(addon);
  const mk = m * k;
  const kn = k * n;
  // the keys under which the addon may keep bf16 copies of whole operands, for later products
  const keyA = backend.operandKey(aValues);
  const keyB = backend.operandKey(bValues);
  if (batch > 1 && batchB === 1 && batchA === batch && !transposeA) {
    // [batch, m, k] x [k, n] (a layer applied to a batch of sequences): one product of
    // [batch * m, k] x [k, n], far more efficient than `batch` small ones.
    addon.gemm(
      false,
      transposeB,
      1,
      batch * m,
      n,
      k,
      aValues,
      0,
      bValues,
      0,
      cValues,
      bias,
      act,
      alpha,
      precision,
      keyA,
      keyB,
    );
  } else if ((batchA === batch || batchA === 1) && (batchB === batch || batchB === 1)) {
    const sa = batchA === 1 ? 0 : mk;
    const sb = batchB === 1 ? 0 : kn;
    addon.gemm(
      transposeA,
      transposeB,
      batch,
      m,
      n,
      k,
      aValues,
      sa,
      bValues,
      sb,
      cValues,
      bias,
      act,
      alpha,
      precision,
      keyA,
      keyB,
    );
  } else {
    // General broadcast, e.g. [2,1] x [1,3]: one product per output matrix (of parts of the
    // operands, so without keys).
    for (let i = 0; i < batch; i++) {
      const ia = broadcastIndex(i, outBatchShape, batchShapeA);
      const ib = broadcastIndex(i, outBatchShape, batchShapeB);
      addon.gemm(
        transposeA,
        transposeB,
        1,
        m,
        n,
        k,
        aValues.subarray(ia * mk, (ia + 1) * mk),
        0,
        bValues.subarray(ib * kn, (ib + 1) * kn),
        0,
        cValues.subarray(i * m * n, (i + 1) * m * n),
        bias,
        act,
        alpha,
        precision,
      );
    }
  }
  return out.info;
}

interface KernelArgs {
  inputs: Record<string, TensorInfo | null | undefined>;
  backend: NativeStorageBackend;
  attrs: Record<string, unknown>;
}

/** BatchMatMul for the native backend; `fallback` (the cpu backend's kernel) takes what it cannot. */
export function batchMatMulKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as KernelArgs;
    const out = nativeMatMul(addon, backend, {
      a: inputs.a!,
      b: inputs.b!,
      transposeA: attrs.transposeA === true,
      transposeB: attrs.transposeB === true,
    });
    return out ?? fallback(args);
  };
}

/** _FusedMatMul (matMul + bias + activation) for the native backend; prelu goes to `fallback`. */
export function fusedMatMulKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as KernelArgs;
    const activation = activationCodes[String(attrs.activation ?? 'linear')];
    if (activation == null || inputs.preluActivationWeights != null) return fallback(args);
    const out = nativeMatMul(addon, backend, {
      a: inputs.a!,
      b: inputs.b!,
      transposeA: attrs.transposeA === true,
      transposeB: attrs.transposeB === true,
      bias: inputs.bias,
      activation,
      activationAlpha: Number(attrs.leakyreluAlpha ?? 0.2),
    });
    return out ?? fallback(args);
  };
}

/** The native kernels, as overrides of the cpu backend's kernels of the same names. */
export function matMulKernelOverrides(
  addon: NativeAddon,
): Record<string, (base: KernelConfig) => KernelFunc> {
  return {
    [BatchMatMul]: (w) => batchMatMulKernel(addon, w.kernelFunc),
    [_FusedMatMul]: (w) => fusedMatMulKernel(addon, w.kernelFunc),
  };
}
