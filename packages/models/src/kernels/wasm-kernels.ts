import * as tf from '@tensorflow/tfjs-core';
import { ropeTables } from '../rotary-embedding';
import { copyBlock } from './strided-copy';
import { heapF32, type WasmBackendLike } from './wasm-backend-like';

/**
 * Custom kernels for the tfjs wasm backend.
 *
 * Measured on this machine (DESIGN.md section 4): the wasm BatchMatMul reaches ~20 GFLOP/s only for
 * a plain 2-D product (no batch, no transpose flags), where it calls XNNPACK; anything else falls to
 * a scalar loop at 0.4-1.8 GFLOP/s. Slice copies its whole source per call and Transpose runs at
 * ~20-60 M elements/s. These kernels therefore (1) transpose in JS (tiled, ~10x faster) and (2) run
 * attention as one plain 2-D XNNPACK product per (sequence, head), gathering each head's q/k/v
 * straight out of the fused qkv projection (with the rotary embedding applied on the way) and
 * scattering results back, so no tfjs slice/transpose/batched matmul is ever called.
 *
 * Kernels (float32 only):
 *  - Md4Transpose2D      x [R, C] -> [C, R]
 *  - Md4RopeScores       qkv [B*L, 3d] -> S [B, H, L, L],  S = (R q) s (R k)^T per head
 *  - Md4RopeScoresGrad   dS, qkv -> dqkv [B*L, 3d] (q and k parts; v part zero)
 *  - Md4AttnMix          P [B, H, L, L], qkv -> O [B*L, d],  O_h = P_h v_h
 *  - Md4AttnMixGrad      dO, P, qkv -> [dP, dqkv (v part; q and k parts zero)]
 */
export const WASM_KERNELS = {
  transpose: 'Md4Transpose2D',
  scores: 'Md4RopeScores',
  scoresGrad: 'Md4RopeScoresGrad',
  mix: 'Md4AttnMix',
  mixGrad: 'Md4AttnMixGrad',
} as const;

/** Attributes shared by the attention kernels. */
export interface AttentionKernelAttrs {
  batch: number;
  seqLen: number;
  heads: number;
  headDim: number;
  /** Multiplies q (1/sqrt(hd)). */
  scale: number;
  /** RoPE base; 0 disables the rotation. */
  ropeTheta: number;
}

type KernelFn = (args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap | undefined;
}) => unknown;

let batchMatMul: KernelFn | null = null;
let registered = false;

/** Registers the kernels once (when the wasm backend is present). Returns false if it is not. */
export function ensureWasmKernels(): boolean {
  if (registered) return true;
  const bmm = tf.getKernel('BatchMatMul', 'wasm');
  if (bmm == null) return false;
  batchMatMul = bmm.kernelFunc as unknown as KernelFn;
  const defs: Array<[string, KernelFn]> = [
    [WASM_KERNELS.transpose, transposeKernel],
    [WASM_KERNELS.scores, scoresKernel],
    [WASM_KERNELS.scoresGrad, scoresGradKernel],
    [WASM_KERNELS.mix, mixKernel],
    [WASM_KERNELS.mixGrad, mixGradKernel],
  ];
  for (const [kernelName, kernelFunc] of defs) {
    if (tf.getKernel(kernelName, 'wasm') == null) {
      tf.registerKernel({
        kernelName,
        backendName: 'wasm',
        kernelFunc: kernelFunc as unknown as tf.KernelFunc,
      });
    }
  }
  registered = true;
  return true;
}

/** True when the active backend is wasm and the custom kernels are registered. */
export function wasmKernelsActive(): boolean {
  return tf.getBackend() === 'wasm' && ensureWasmKernels();
}

/** Plain 2-D product a [1, m, k] x b [1, k, n] through XNNPACK (b is packed, keyed by its tensor id). */
function xnnMatMul(backend: WasmBackendLike, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  return batchMatMul!({
    inputs: { a, b },
    backend,
    attrs: { transposeA: false, transposeB: false },
  }) as tf.TensorInfo;
}

function transposeKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x!;
  const [R, C] = x.shape as [number, number];
  const out = backend.makeOutput([C, R], 'float32');
  copyBlock(heapF32(backend, x), 0, C, 1, heapF32(backend, out), 0, 1, R, R, C);
  return out;
}

function readAttrs(attrs: tf.NamedAttrMap | undefined): AttentionKernelAttrs {
  const a = attrs as unknown as AttentionKernelAttrs;
  return {
    batch: a.batch,
    seqLen: a.seqLen,
    heads: a.heads,
    headDim: a.headDim,
    scale: a.scale,
    ropeTheta: a.ropeTheta,
  };
}

interface HeadGeometry {
  L: number;
  hd: number;
  /** Row stride of the fused qkv tensor (3d). */
  stride: number;
  cos: Float32Array;
  sin: Float32Array;
  rope: boolean;
}

function geometry(a: AttentionKernelAttrs): HeadGeometry {
  const L = a.seqLen;
  const hd = a.headDim;
  const rope = a.ropeTheta > 0;
  const tables = rope ? ropeTables(L, hd, a.ropeTheta) : null;
  return {
    L,
    hd,
    stride: 3 * a.heads * hd,
    cos: tables?.cos ?? new Float32Array(0),
    sin: tables?.sin ?? new Float32Array(0),
    rope,
  };
}

/**
 * Loads one head (rows row0..row0+L-1, columns col..col+hd-1 of qkv) into dst, rotated and scaled:
 * dst[i, c] (or dst[c, i] when `transposed`).
 */
function loadHead(
  g: HeadGeometry,
  src: Float32Array,
  row0: number,
  col: number,
  scale: number,
  rotate: boolean,
  dst: Float32Array,
  transposed: boolean,
): void {
  const { L, hd, stride } = g;
  if (!(rotate && g.rope)) {
    if (transposed) copyBlock(src, row0 * stride + col, stride, 1, dst, 0, 1, L, L, hd);
    else copyBlock(src, row0 * stride + col, stride, 1, dst, 0, hd, 1, L, hd);
    if (scale !== 1) for (let i = 0; i < L * hd; i++) dst[i]! *= scale;
    return;
  }
  const half = hd / 2;
  const { cos, sin } = g;
  for (let i = 0; i < L; i++) {
    const s = (row0 + i) * stride + col;
    for (let p = 0; p < half; p++) {
      const x0 = src[s + 2 * p]!;
      const x1 = src[s + 2 * p + 1]!;
      const c = cos[i * half + p]!;
      const sn = sin[i * half + p]!;
      const y0 = (x0 * c - x1 * sn) * scale;
      const y1 = (x0 * sn + x1 * c) * scale;
      if (transposed) {
        dst[2 * p * L + i] = y0;
        dst[(2 * p + 1) * L + i] = y1;
      } else {
        dst[i * hd + 2 * p] = y0;
        dst[i * hd + 2 * p + 1] = y1;
      }
    }
  }
}

/** Writes a gradient w.r.t. the rotated head back through the rotation (its transpose) and the scale. */
function storeHeadGrad(
  g: HeadGeometry,
  grad: Float32Array,
  dst: Float32Array,
  row0: number,
  col: number,
  scale: number,
  rotate: boolean,
): void {
  const { L, hd, stride } = g;
  if (!(rotate && g.rope)) {
    for (let i = 0; i < L; i++) {
      const d = (row0 + i) * stride + col;
      for (let c = 0; c < hd; c++) dst[d + c] = grad[i * hd + c]! * scale;
    }
    return;
  }
  const half = hd / 2;
  const { cos, sin } = g;
  for (let i = 0; i < L; i++) {
    const d = (row0 + i) * stride + col;
    for (let p = 0; p < half; p++) {
      const g0 = grad[i * hd + 2 * p]!;
      const g1 = grad[i * hd + 2 * p + 1]!;
      const c = cos[i * half + p]!;
      const sn = sin[i * half + p]!;
      dst[d + 2 * p] = (g0 * c + g1 * sn) * scale;
      dst[d + 2 * p + 1] = (-g0 * sn + g1 * c) * scale;
    }
  }
}

function scoresKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap | undefined;
}): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const qkv = args.inputs.qkv!;
  const a = readAttrs(args.attrs);
  const g = geometry(a);
  const { L, hd } = g;
  const d = a.heads * hd;
  const out = backend.makeOutput([a.batch, a.heads, L, L], 'float32');
  const qa = backend.makeOutput([1, L, hd], 'float32');
  for (let b = 0; b < a.batch; b++) {
    for (let h = 0; h < a.heads; h++) {
      const kt = backend.makeOutput([1, hd, L], 'float32');
      const src = heapF32(backend, qkv);
      loadHead(g, src, b * L, h * hd, a.scale, true, heapF32(backend, qa), false);
      loadHead(g, src, b * L, d + h * hd, 1, true, heapF32(backend, kt), true);
      const r = xnnMatMul(backend, qa, kt);
      heapF32(backend, out).set(heapF32(backend, r), (b * a.heads + h) * L * L);
      backend.disposeData(r.dataId);
      backend.disposeData(kt.dataId);
    }
  }
  backend.disposeData(qa.dataId);
  return out;
}

function scoresGradKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap | undefined;
}): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const dy = args.inputs.dy!;
  const qkv = args.inputs.qkv!;
  const a = readAttrs(args.attrs);
  const g = geometry(a);
  const { L, hd } = g;
  const d = a.heads * hd;
  const dqkv = backend.makeOutput([a.batch * L, 3 * d], 'float32');
  heapF32(backend, dqkv).fill(0);
  const ds = backend.makeOutput([1, L, L], 'float32');
  for (let b = 0; b < a.batch; b++) {
    for (let h = 0; h < a.heads; h++) {
      const block = (b * a.heads + h) * L * L;
      // dQ_rot = dS K_rot
      const kr = backend.makeOutput([1, L, hd], 'float32');
      loadHead(g, heapF32(backend, qkv), b * L, d + h * hd, 1, true, heapF32(backend, kr), false);
      heapF32(backend, ds).set(heapF32(backend, dy).subarray(block, block + L * L));
      let r = xnnMatMul(backend, ds, kr);
      storeHeadGrad(g, heapF32(backend, r), heapF32(backend, dqkv), b * L, h * hd, a.scale, true);
      backend.disposeData(r.dataId);
      backend.disposeData(kr.dataId);
      // dK_rot = dS^T (s Q_rot)
      const qr = backend.makeOutput([1, L, hd], 'float32');
      loadHead(g, heapF32(backend, qkv), b * L, h * hd, a.scale, true, heapF32(backend, qr), false);
      copyBlock(heapF32(backend, dy), block, L, 1, heapF32(backend, ds), 0, 1, L, L, L);
      r = xnnMatMul(backend, ds, qr);
      storeHeadGrad(g, heapF32(backend, r), heapF32(backend, dqkv), b * L, d + h * hd, 1, true);
      backend.disposeData(r.dataId);
      backend.disposeData(qr.dataId);
    }
  }
  backend.disposeData(ds.dataId);
  return dqkv;
}

function mixKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap | undefined;
}): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const p = args.inputs.p!;
  const qkv = args.inputs.qkv!;
  const a = readAttrs(args.attrs);
  const g = geometry(a);
  const { L, hd } = g;
  const d = a.heads * hd;
  const out = backend.makeOutput([a.batch * L, d], 'float32');
  const pa = backend.makeOutput([1, L, L], 'float32');
  for (let b = 0; b < a.batch; b++) {
    for (let h = 0; h < a.heads; h++) {
      const block = (b * a.heads + h) * L * L;
      const v = backend.makeOutput([1, L, hd], 'float32');
      loadHead(g, heapF32(backend, qkv), b * L, 2 * d + h * hd, 1, false, heapF32(backend, v), false);
      heapF32(backend, pa).set(heapF32(backend, p).subarray(block, block + L * L));
      const r = xnnMatMul(backend, pa, v);
      copyBlock(heapF32(backend, r), 0, hd, 1, heapF32(backend, out), b * L * d + h * hd, d, 1, L, hd);
      backend.disposeData(r.dataId);
      backend.disposeData(v.dataId);
    }
  }
  backend.disposeData(pa.dataId);
  return out;
}

function mixGradKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap | undefined;
}): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const dy = args.inputs.dy!;
  const p = args.inputs.p!;
  const qkv = args.inputs.qkv!;
  const a = readAttrs(args.attrs);
  const g = geometry(a);
  const { L, hd } = g;
  const d = a.heads * hd;
  const dp = backend.makeOutput([a.batch, a.heads, L, L], 'float32');
  const dqkv = backend.makeOutput([a.batch * L, 3 * d], 'float32');
  heapF32(backend, dqkv).fill(0);
  const doA = backend.makeOutput([1, L, hd], 'float32');
  const pt = backend.makeOutput([1, L, L], 'float32');
  for (let b = 0; b < a.batch; b++) {
    for (let h = 0; h < a.heads; h++) {
      const block = (b * a.heads + h) * L * L;
      // dP = dO V^T
      const vt = backend.makeOutput([1, hd, L], 'float32');
      loadHead(g, heapF32(backend, qkv), b * L, 2 * d + h * hd, 1, false, heapF32(backend, vt), true);
      copyBlock(heapF32(backend, dy), b * L * d + h * hd, d, 1, heapF32(backend, doA), 0, hd, 1, L, hd);
      let r = xnnMatMul(backend, doA, vt);
      heapF32(backend, dp).set(heapF32(backend, r), block);
      backend.disposeData(r.dataId);
      backend.disposeData(vt.dataId);
      // dV = P^T dO
      const doB = backend.makeOutput([1, L, hd], 'float32');
      copyBlock(heapF32(backend, dy), b * L * d + h * hd, d, 1, heapF32(backend, doB), 0, hd, 1, L, hd);
      copyBlock(heapF32(backend, p), block, L, 1, heapF32(backend, pt), 0, 1, L, L, L);
      r = xnnMatMul(backend, pt, doB);
      copyBlock(
        heapF32(backend, r),
        0,
        hd,
        1,
        heapF32(backend, dqkv),
        b * L * 3 * d + 2 * d + h * hd,
        3 * d,
        1,
        L,
        hd,
      );
      backend.disposeData(r.dataId);
      backend.disposeData(doB.dataId);
    }
  }
  backend.disposeData(doA.dataId);
  backend.disposeData(pt.dataId);
  return [dp, dqkv];
}
