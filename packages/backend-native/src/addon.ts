import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** What the addon reports about itself and the BLAS it loaded. */
export interface AddonInfo {
  loaded: boolean;
  /** The BLAS library that was opened (as given to dlopen). */
  library: string;
  /** Threads for one product (BLAS) and for a batch of products (the addon's pool). */
  threads: number;
  blasThreads: number;
  /** openblas_get_parallel(): 0 sequential, 1 pthreads, 2 OpenMP, -1 not OpenBLAS. */
  blasParallel: number;
  /** OpenBLAS's kernel set, e.g. "SkylakeX" or "Haswell". */
  core: string;
  config: string;
  minBatchSplitFlops: number;
  /** True when one product is cut in panels over the addon's threads (BLAS single-threaded). */
  poolSplit: boolean;
  /** The precision of matrix products: float32 through the BLAS, or bfloat16 inputs through oneDNN. */
  precision: 'fp32' | 'bf16';
  /** oneDNN, once `precision(true, ...)` loaded it; `kernel` is the implementation of the last new product shape. */
  /** oneDNN: `bf16` whether it has a bfloat16 matrix product for this CPU; `kernel` its last one. */
  dnnl: { loaded: boolean; library: string; version: string; kernel: string; bf16: boolean };
}

/** The N-API addon built from native/md4_native.cc. */
export interface NativeAddon {
  /**
   * Opens the first BLAS of `libraries` that loads and sizes the thread pool; `poolSplit` -1
   * (auto), 0 (the BLAS's own threads) or 1 (the pool cuts products in panels). Throws when no
   * BLAS loads.
   */
  init(
    libraries: string[],
    threads: number,
    minBatchSplitFlops: number,
    tuneCoreType: boolean,
    poolSplit: number,
  ): void;
  info(): AddonInfo;
  /**
   * bf16 true: matrix products round their float32 inputs to bfloat16 and run through oneDNN
   * (opened, once, from the first of `dnnlLibraries` that loads), accumulating and writing float32;
   * false: float32 products through the BLAS. Throws when oneDNN cannot be loaded or has no bf16
   * product for this CPU.
   */
  precision(bf16: boolean, dnnlLibraries: string[]): void;
  /**
   * Row-major C[i] = act(op(A[i]) op(B[i]) + bias) for i < batch, on `heap`, in place. Offsets in
   * bytes, batch strides in float32 elements (0 broadcasts), biasOffset -1 for none. `precision`:
   * -1 (or absent) as `precision()` last set, 0 float32, 1 bf16 (float32 where oneDNN is not loaded).
   */
  gemm(
    heap: ArrayBufferLike,
    transposeA: boolean,
    transposeB: boolean,
    batch: number,
    m: number,
    n: number,
    k: number,
    aOffset: number,
    aBatchStride: number,
    bOffset: number,
    bBatchStride: number,
    cOffset: number,
    biasOffset: number,
    activation: number,
    activationAlpha: number,
    precision?: -1 | 0 | 1,
  ): void;
  /**
   * dst[i0..ir] (contiguous, row-major over the shape) = src[sum_d i_d * strides[d]] on `heap`;
   * `layout` is [...shape, ...strides], strides in elements (any sign). Offsets in bytes.
   */
  copy(
    heap: ArrayBufferLike,
    srcOffset: number,
    dstOffset: number,
    elementBytes: number,
    layout: Float64Array,
  ): void;
  /** Concatenation: per row o < outer, `parts` = [srcOffset, inner, ...] blocks side by side at dstOffset. */
  concat(
    heap: ArrayBufferLike,
    dstOffset: number,
    elementBytes: number,
    outer: number,
    parts: Float64Array,
  ): void;
  /** out[i] = op(x[i]) for n float32 values (op codes: src/elementwise-kernels.ts). */
  unary(heap: ArrayBufferLike, op: number, xOffset: number, outOffset: number, n: number): void;
  /** out = op(a, b) over `layout` = [...shape, ...aStrides, ...bStrides] (0 broadcasts). */
  binary(
    heap: ArrayBufferLike,
    op: number,
    aOffset: number,
    bOffset: number,
    outOffset: number,
    layout: Float64Array,
  ): void;
  /** Softmax of each row of a [rows, n] float32 matrix. */
  softmax(heap: ArrayBufferLike, xOffset: number, outOffset: number, rows: number, n: number): void;
  /**
   * One AdamW update of n float32 values (see @md4/core's ADAMW_UPDATE_KERNEL): outP, outM, outV
   * from param, grad, m, v; `constants` = [beta1, beta2, eps, lr, weightDecay, biasCorrection1,
   * biasCorrection2, gradScale]. Offsets in bytes.
   */
  adamw(
    heap: ArrayBufferLike,
    paramOffset: number,
    gradOffset: number,
    mOffset: number,
    vOffset: number,
    outParamOffset: number,
    outMOffset: number,
    outVOffset: number,
    n: number,
    constants: Float64Array,
  ): void;
  /** out = shadow * decay + param * (1 - decay) over n float32 values (EMA_UPDATE_KERNEL). */
  ema(
    heap: ArrayBufferLike,
    shadowOffset: number,
    paramOffset: number,
    outOffset: number,
    n: number,
    decay: number,
  ): void;
  /**
   * Rotary embedding (ROPE_KERNEL of @md4/core) of x [outer, length, 2 half] by cos, sin
   * [length, half]; `inverse` rotates by minus the angle.
   */
  rope(
    heap: ArrayBufferLike,
    xOffset: number,
    cosOffset: number,
    sinOffset: number,
    outOffset: number,
    outer: number,
    length: number,
    half: number,
    inverse: boolean,
  ): void;
  /** out = sigmoid(gate) * up over n float32 values (SIGMOID_GATE_KERNEL of @md4/core). */
  gate(heap: ArrayBufferLike, gateOffset: number, upOffset: number, outOffset: number, n: number): void;
  /** dGate, dUp of the gated activation from dy (SIGMOID_GATE_GRAD_KERNEL). */
  gateGrad(
    heap: ArrayBufferLike,
    dyOffset: number,
    gateOffset: number,
    upOffset: number,
    dGateOffset: number,
    dUpOffset: number,
    n: number,
  ): void;
  /**
   * Fused attention (ATTENTION_KERNEL of @md4/core) of qkv [B*L, 3d] into out [B*L, d] and
   * lse [B, H, L]; `sizes` = [B, L, H, hd, scale]; cosOffset < 0: no rotary tables.
   */
  attention(
    heap: ArrayBufferLike,
    qkvOffset: number,
    cosOffset: number,
    sinOffset: number,
    outOffset: number,
    lseOffset: number,
    sizes: Float64Array,
  ): void;
  /** Its gradient dqkv [B*L, 3d] from dy [B*L, d] (ATTENTION_GRAD_KERNEL). */
  attentionGrad(
    heap: ArrayBufferLike,
    dyOffset: number,
    qkvOffset: number,
    cosOffset: number,
    sinOffset: number,
    outOffset: number,
    lseOffset: number,
    dqkvOffset: number,
    sizes: Float64Array,
  ): void;
  /** adaLN (ADA_LAYER_NORM_KERNEL of @md4/core) of x [rows, d] into y, mean and r [rows]. */
  adaLayerNorm(
    heap: ArrayBufferLike,
    xOffset: number,
    shiftOffset: number,
    scaleOffset: number,
    yOffset: number,
    meanOffset: number,
    rOffset: number,
    batch: number,
    rows: number,
    d: number,
    eps: number,
  ): void;
  /** Its gradients dx [rows, d], dShift and dScale [batch, d] (ADA_LAYER_NORM_GRAD_KERNEL). */
  adaLayerNormGrad(
    heap: ArrayBufferLike,
    dyOffset: number,
    xOffset: number,
    scaleOffset: number,
    meanOffset: number,
    rOffset: number,
    dxOffset: number,
    dShiftOffset: number,
    dScaleOffset: number,
    batch: number,
    rows: number,
    d: number,
  ): void;
  /** out[o, i] = reduce_k x[o, k, i] over a [outer, r, inner] float32 array. */
  reduce(
    heap: ArrayBufferLike,
    op: number,
    xOffset: number,
    outOffset: number,
    outer: number,
    r: number,
    inner: number,
  ): void;
}

/** Where `pnpm install` (scripts/build-addon.mjs, node-gyp) puts the addon. */
export const defaultAddonPath = fileURLToPath(
  new URL('../native/build/Release/md4_native.node', import.meta.url),
);

/** Loads the compiled addon, or says in one phrase why it cannot. */
export function loadAddon(path: string = defaultAddonPath): { addon: NativeAddon } | { error: string } {
  if (!existsSync(path)) {
    return {
      error: `the addon is not built (${path} missing; run \`pnpm --filter @md4/backend-native build:addon\`)`,
    };
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    if (typeof addon.gemm !== 'function') return { error: `${path} is not the md4_native addon` };
    return { addon };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { error: `the addon failed to load: ${message}` };
  }
}
