import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Float32ProductLibrary } from './float32-products';
import type { NativeValues } from './tensor-storage';

/** What the addon reports about itself and the BLAS it loaded. */
export interface AddonInfo {
  /** True once `init` has opened a BLAS (false before, or when none loaded). */
  loaded: boolean;
  /** The BLAS library that was opened (as given to dlopen). */
  library: string;
  /** Threads of the addon's own pool (batches of products; panels of one product when `poolSplit`). */
  threads: number;
  /** Threads the BLAS uses for one product (openblas_get_num_threads; 1 when `poolSplit` or not OpenBLAS). */
  blasThreads: number;
  /** openblas_get_parallel(): 0 sequential, 1 pthreads, 2 OpenMP, -1 not OpenBLAS. */
  blasParallel: number;
  /** OpenBLAS's kernel set, e.g. "SkylakeX" or "Haswell". */
  core: string;
  /** openblas_get_config(): version and build options; empty when not OpenBLAS. */
  config: string;
  /** The threshold `init` was given: batches of products each under this many flops go to the pool. */
  minBatchSplitFlops: number;
  /** True when one product is cut in panels over the addon's threads (BLAS single-threaded). */
  poolSplit: boolean;
  /** The precision of matrix products: float32 through the BLAS, or bfloat16 inputs through oneDNN. */
  precision: 'fp32' | 'bf16';
  /** Who computes float32 products of at least the threshold `float32Products()` was given. */
  float32Products: Float32ProductLibrary;
  /**
   * oneDNN: `bf16` whether it has a bfloat16 matrix product for this CPU; `kernel` its last one;
   * `float32Kernel` its float32 product's kernel ("" when none), e.g. "brg:avx512_core";
   * `float32Products` and `bf16Products` the product calls it has computed in each.
   */
  dnnl: {
    loaded: boolean;
    library: string;
    version: string;
    kernel: string;
    bf16: boolean;
    float32Kernel: string;
    float32Products: number;
    bf16Products: number;
  };
  /** The CPU has AVX512-BF16: in bf16 precision the fused attention's products use it (else float32). */
  attentionBf16: boolean;
  /**
   * The bf16 copies of operands kept by key (gemm's keyA, keyB): how many and their bytes now, and
   * the keyed operands that found their copy (`hits`) or had one made (`misses`) so far.
   */
  bf16Copies: { copies: number; bytes: number; hits: number; misses: number };
}

/** The N-API addon built from native/src/addon.cc: kernels on typed arrays, computed in place. */
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
  /** A fresh snapshot of the addon's state (BLAS, threads, precision, oneDNN). */
  info(): AddonInfo;
  /**
   * bf16 true: matrix products round their float32 inputs to bfloat16 and run through oneDNN
   * (opened, once, from the first of `dnnlLibraries` that loads), accumulating and writing float32;
   * false: float32 products through the BLAS. Throws when oneDNN cannot be loaded or has no bf16
   * product for this CPU.
   */
  precision(bf16: boolean, dnnlLibraries: string[]): void;
  /**
   * onednn true: float32 products of at least `minFlops` (a batch counts together) go to oneDNN's
   * float32 matrix product (opened, once, from the first of `dnnlLibraries` that loads), the rest
   * to the BLAS; false: all to the BLAS. Throws when oneDNN cannot be loaded or has no float32
   * product for this CPU.
   */
  float32Products(onednn: boolean, dnnlLibraries: string[], minFlops: number): void;
  /**
   * Row-major C[i] = act(op(A[i]) op(B[i]) + bias) for i < batch, written into `c`. Batch strides
   * in elements (0 broadcasts), `bias` null for none. `precision`: -1 (or absent) as
   * `precision()` last set, 0 float32, 1 bf16 (float32 where oneDNN is not loaded). `keyA`, `keyB`
   * (0 or absent: none) name the whole of `a`, `b` for as long as their values stay the same: a bf16
   * product keeps its bf16 copy of a named operand, and a later product of the same key uses it
   * instead of rounding again, until `releaseBf16Copy(key)` (the 'native' backend's pool: one key
   * per tensor's array, released when the tensor is disposed).
   */
  gemm(
    transposeA: boolean,
    transposeB: boolean,
    batch: number,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    aBatchStride: number,
    b: Float32Array,
    bBatchStride: number,
    c: Float32Array,
    bias: Float32Array | null,
    activation: number,
    activationAlpha: number,
    precision?: -1 | 0 | 1,
    keyA?: number,
    keyB?: number,
  ): void;
  /** Drops the bf16 copy kept under `key` (nothing if there is none). */
  releaseBf16Copy(key: number): void;
  /** Drops every kept bf16 copy. */
  releaseBf16Copies(): void;
  /** Most bytes of bf16 copies kept (default 512 MiB); beyond it the least recently used go. */
  bf16CopyBudget(bytes: number): void;
  /**
   * dst[i0..ir] (contiguous, row-major over the shape) = src[srcStart + sum_d i_d * strides[d]];
   * `layout` is [...shape, ...strides], strides in elements (any sign). src and dst have one
   * element size (1, 2, 4 or 8 bytes).
   */
  copy(src: NativeValues, srcStart: number, dst: NativeValues, layout: Float64Array): void;
  /** Concatenation: per row o < outer, the [outer, inners[i]] blocks of `parts[i]` side by side in dst. */
  concat(dst: NativeValues, outer: number, parts: NativeValues[], inners: Float64Array): void;
  /** out[i] = op(x[i]) for n float32 values (op codes: src/elementwise-kernels.ts). */
  unary(op: number, x: Float32Array, out: Float32Array, n: number): void;
  /** out[i] = condition[i] ? t[i] : e[i] for n values (condition: a bool tensor's bytes). */
  select(condition: Uint8Array, t: Float32Array, e: Float32Array, out: Float32Array, n: number): void;
  /**
   * dst[i] = src[i] converted for n values; from, to: 0 float32, 1 int32, 2 bool (bool or int32 to
   * float32, bool to int32, int32 or float32 to bool).
   */
  cast(src: NativeValues, dst: NativeValues, n: number, from: number, to: number): void;
  /** out = op(a, b) over `layout` = [...shape, ...aStrides, ...bStrides] (0 broadcasts). */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, layout: Float64Array): void;
  /** Softmax of each row of a [rows, n] float32 matrix. */
  softmax(x: Float32Array, out: Float32Array, rows: number, n: number): void;
  /**
   * One AdamW update of n float32 values (see `@md4/core`'s ADAMW_UPDATE_KERNEL): outP, outM, outV
   * from param, grad, m, v; `constants` = [beta1, beta2, eps, lr, weightDecay, biasCorrection1,
   * biasCorrection2, gradScale].
   */
  adamw(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    outParam: Float32Array,
    outM: Float32Array,
    outV: Float32Array,
    n: number,
    constants: Float64Array,
  ): void;
  /** out = shadow * decay + param * (1 - decay) over n float32 values (EMA_UPDATE_KERNEL). */
  ema(shadow: Float32Array, param: Float32Array, out: Float32Array, n: number, decay: number): void;
  /**
   * Rotary embedding (ROPE_KERNEL of `@md4/core`) of x [outer, length, 2 half] by cos, sin
   * [length, half]; `inverse` rotates by minus the angle.
   */
  rope(
    x: Float32Array,
    cos: Float32Array,
    sin: Float32Array,
    out: Float32Array,
    outer: number,
    length: number,
    half: number,
    inverse: boolean,
  ): void;
  /** out = sigmoid(gate) * up over n float32 values (SIGMOID_GATE_KERNEL of `@md4/core`). */
  gate(gate: Float32Array, up: Float32Array, out: Float32Array, n: number): void;
  /** dGate, dUp of the gated activation from dy (SIGMOID_GATE_GRAD_KERNEL). */
  gateGrad(
    dy: Float32Array,
    gate: Float32Array,
    up: Float32Array,
    dGate: Float32Array,
    dUp: Float32Array,
    n: number,
  ): void;
  /**
   * y = GELU(x) (tanh approximation) over n float32 values (GELU_TANH_KERNEL of `@md4/core`);
   * constants: [c, 2k, 6ck] rounded to float32.
   */
  geluTanh(x: Float32Array, y: Float32Array, n: number, constants: Float32Array): void;
  /** dx from dy and x (GELU_TANH_GRAD_KERNEL); constants as for geluTanh. */
  geluTanhGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, n: number, constants: Float32Array): void;
  /**
   * Fused attention (ATTENTION_KERNEL of `@md4/core`) of qkv [B*L, 3d] into out [B*L, d] and
   * lse [B, H, L]; `sizes` = [B, L, H, hd, scale, causal 0/1]; null tables: no rotary embedding.
   * `precision` as gemm's: -1 or absent as `precision()` set, 0 float32, 1 bf16 products (bf16
   * only on a CPU with AVX512-BF16, else float32).
   */
  attention(
    qkv: Float32Array,
    cos: Float32Array | null,
    sin: Float32Array | null,
    out: Float32Array,
    lse: Float32Array,
    sizes: Float64Array,
    precision?: -1 | 0 | 1,
  ): void;
  /** Its gradient dqkv [B*L, 3d] from dy [B*L, d] (ATTENTION_GRAD_KERNEL); `precision` as attention's. */
  attentionGrad(
    dy: Float32Array,
    qkv: Float32Array,
    cos: Float32Array | null,
    sin: Float32Array | null,
    out: Float32Array,
    lse: Float32Array,
    dqkv: Float32Array,
    sizes: Float64Array,
    precision?: -1 | 0 | 1,
  ): void;
  /** adaLN (ADA_LAYER_NORM_KERNEL of `@md4/core`) of x [rows, d] into y, mean and r [rows]. */
  adaLayerNorm(
    x: Float32Array,
    shift: Float32Array,
    scale: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    r: Float32Array,
    batch: number,
    rows: number,
    d: number,
    eps: number,
  ): void;
  /** Its gradients dx [rows, d], dShift and dScale [batch, d] (ADA_LAYER_NORM_GRAD_KERNEL). */
  adaLayerNormGrad(
    dy: Float32Array,
    x: Float32Array,
    scale: Float32Array,
    mean: Float32Array,
    r: Float32Array,
    dx: Float32Array,
    dShift: Float32Array,
    dScale: Float32Array,
    batch: number,
    rows: number,
    d: number,
  ): void;
  /** RMS norm (RMS_NORM_KERNEL of `@md4/core`) of x [rows, d] with scale [d] into y and r [rows]. */
  rmsNorm(
    x: Float32Array,
    scale: Float32Array,
    y: Float32Array,
    r: Float32Array,
    rows: number,
    d: number,
    eps: number,
  ): void;
  /** Its gradients dx [rows, d] and dScale [d] (RMS_NORM_GRAD_KERNEL). */
  rmsNormGrad(
    dy: Float32Array,
    x: Float32Array,
    scale: Float32Array,
    r: Float32Array,
    dx: Float32Array,
    dScale: Float32Array,
    rows: number,
    d: number,
  ): void;
  /** y [rows, d] = x + gate_b * branch, gate [batch, d] (GATED_RESIDUAL_KERNEL of `@md4/core`). */
  gatedResidual(
    x: Float32Array,
    gate: Float32Array,
    branch: Float32Array,
    y: Float32Array,
    batch: number,
    rows: number,
    d: number,
  ): void;
  /** Its gradients dGate [batch, d] and dBranch [rows, d] from dy (GATED_RESIDUAL_GRAD_KERNEL). */
  gatedResidualGrad(
    dy: Float32Array,
    gate: Float32Array,
    branch: Float32Array,
    dGate: Float32Array,
    dBranch: Float32Array,
    batch: number,
    rows: number,
    d: number,
  ): void;
  /** out[o, i] = reduce_k x[o, k, i] over a [outer, r, inner] float32 array. */
  reduce(op: number, x: Float32Array, out: Float32Array, outer: number, r: number, inner: number): void;
}

/** Where installing the package (scripts/build-addon.mjs, node-gyp) puts the addon. */
export const defaultAddonPath = fileURLToPath(
  new URL('../native/build/Release/md4_native.node', import.meta.url),
);

/** The script that builds the addon: what to run where it is missing. */
const buildScriptPath = fileURLToPath(new URL('../scripts/build-addon.mjs', import.meta.url));

/** Loads the compiled addon, or says in one phrase why it cannot. */
export function loadAddon(path: string = defaultAddonPath): { addon: NativeAddon } | { error: string } {
  if (!existsSync(path)) {
    return {
      error: `the addon is not built (${path} missing; build it: node ${buildScriptPath} --verbose)`,
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
