import { availableParallelism } from 'node:os';
import type { MatMulPrecision } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { adaLayerNormKernels } from './ada-layer-norm-kernels';
import { type AddonInfo, loadAddon, type NativeAddon } from './addon';
import { attentionKernels } from './attention-kernels';
import { blasInstallHint, blasLibraryCandidates } from './blas-libraries';
import { copyKernelOverrides } from './copy-kernels';
import { elementwiseKernelOverrides } from './elementwise-kernels';
import {
  applyFloat32Products,
  FLOAT32_PRODUCT_CHOICES,
  type Float32ProductChoice,
  type Float32Products,
} from './float32-products';
import { gateKernels } from './gate-kernels';
import { gatedResidualKernels } from './gated-residual-kernels';
import { geluKernels } from './gelu-kernels';
import { matMulKernelOverrides } from './matmul-kernels';
import { applyMatMulPrecision, type MatMulPrecisionResult, resolvePrecisionFor } from './matmul-precision';
import { createNativeBackend } from './native-backend';
import { optimizerKernels } from './optimizer-kernels';
import { rmsNormKernels } from './rms-norm-kernels';
import { ropeKernel } from './rope-kernel';

/** The tfjs backend name this package registers. */
export const NATIVE_BACKEND = 'native';

/** Settings of `registerNativeBackend`; each has a default, most an environment variable. */
export interface NativeBackendOptions {
  /** Threads for the BLAS and the batch pool. Default: MD4_NATIVE_THREADS or all cores. */
  threads?: number | undefined;
  /** BLAS shared libraries to try, in order. Default: MD4_BLAS_LIBRARY, then the platform's usual places. */
  libraries?: string[] | undefined;
  /** Path of the compiled addon (default: the one `pnpm install` builds). */
  addonPath?: string | undefined;
  /**
   * A batch of products each under this many flops is spread over the threads one product per
   * thread (the BLAS then runs single-threaded); larger ones use the BLAS's own threads.
   * Default 2^26 (≈ a 256x256x512 product): attention's per-head products go to the pool.
   */
  minBatchSplitFlops?: number | undefined;
  /**
   * Who parallelises one large product: 'pool' cuts it in panels that the addon's threads take
   * dynamically (the BLAS single-threaded; degrades gracefully when other processes take the
   * cores), 'blas' uses the BLAS's own threads, 'auto' (default) picks 'pool' except with an
   * OpenMP OpenBLAS, which is slow when called from several threads at once.
   * Default: MD4_NATIVE_GEMM_THREADS or 'auto'.
   */
  gemmThreads?: 'auto' | 'pool' | 'blas' | undefined;
  /**
   * Who computes float32 matrix products of at least 2^26 flops: 'blas', 'onednn' (oneDNN's
   * float32 matmul; the BLAS where it cannot be loaded) or 'auto' (default: oneDNN where its
   * kernel for this CPU is an AVX-512 brgemm, which runs nearer the CPU's peak than OpenBLAS
   * 0.3.21, else the BLAS). Smaller products always go to the BLAS.
   * Default: MD4_NATIVE_FP32_PRODUCTS or 'auto'.
   */
  float32Products?: Float32ProductChoice | undefined;
  /**
   * Set OPENBLAS_CORETYPE from the CPU's instructions (SkylakeX / Haswell) unless it is set: OpenBLAS
   * 0.3.21 misdetects AMD's AVX-512 cores and VM-masked Intel ones (default true).
   */
  tuneCoreType?: boolean | undefined;
  /** tfjs backend priority (default 3, above wasm's 2). */
  priority?: number | undefined;
  /** Where the one-line fallback notice goes (default console.warn; null for silence). */
  log?: (((line: string) => void) | null) | undefined;
}

/** What `registerNativeBackend` did. */
export interface NativeBackendStatus {
  /** True when the 'native' backend is registered and usable. */
  ok: boolean;
  /** The one-line reason it fell back (when not ok). */
  notice?: string | undefined;
  /** Threads the native kernels use (1 when not ok). */
  threads: number;
  /** The BLAS in use (when ok). */
  blas?: Pick<AddonInfo, 'library' | 'core' | 'config' | 'blasParallel' | 'poolSplit'> | undefined;
  /** Who computes the large float32 products, and why (when ok). */
  float32Products?: Float32Products | undefined;
}

let registered: NativeBackendStatus | null = null;
/** The addon behind the registered backend. */
let activeAddon: NativeAddon | null = null;

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  if (v == null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer (got "${v}")`);
  return n;
}

/** Loads the addon and a BLAS; the reason when either fails. */
function startAddon(
  opts: NativeBackendOptions,
  threads: number,
  split: 'auto' | 'pool' | 'blas',
): { addon: NativeAddon } | { error: string } {
  if (process.env.MD4_NATIVE === '0') return { error: 'disabled by MD4_NATIVE=0' };
  const loaded = loadAddon(opts.addonPath);
  if ('error' in loaded) return loaded;
  const fromEnv = process.env.MD4_BLAS_LIBRARY;
  const libraries = opts.libraries ?? (fromEnv ? [fromEnv] : blasLibraryCandidates());
  try {
    const poolSplit = split === 'auto' ? -1 : split === 'pool' ? 1 : 0;
    loaded.addon.init(
      libraries,
      threads,
      opts.minBatchSplitFlops ?? 2 ** 26,
      opts.tuneCoreType ?? true,
      poolSplit,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { error: `${message}; install one: ${blasInstallHint()}` };
  }
  return loaded;
}

/**
 * Registers the tfjs backend 'native': tfjs-backend-cpu's storage (each tensor's values in a typed
 * array of its own, outside the V8 heap and not bounded by wasm32's 4 GB) and kernels, with the
 * expensive ones computed in place by an N-API addon on all cores: matrix products
 * (BatchMatMul, _FusedMatMul: plain, transposed, batched, with bias and activation) by a native
 * BLAS, copies (Transpose, Slice, Concat, ...), float32 elementwise ops, softmax, reductions and
 * the fused kernels of `@md4/core` by the addon's own vectorised code. Call it once at start-up,
 * then select it, e.g. `await selectBackend(['native', 'wasm', 'cpu'])` from `@md4/core` or
 * `await tf.setBackend('native')`.
 *
 * Where the addon or a BLAS is missing nothing is registered, the result says why (`ok: false`,
 * `notice`), the notice is logged in one line, and selection falls through to 'wasm'.
 * Resolves; never rejects for a missing addon. Calling it again after a success returns that first
 * result (new options are ignored); after a failure it tries again.
 */
export async function registerNativeBackend(opts: NativeBackendOptions = {}): Promise<NativeBackendStatus> {
  if (registered?.ok) return registered;
  const log = opts.log === undefined ? (line: string) => console.warn(line) : opts.log;
  const fail = (reason: string): NativeBackendStatus => {
    const notice = `@md4/backend-native: ${reason}; using plain wasm`;
    log?.(notice);
    return { ok: false, notice, threads: 1 };
  };
  const threads = opts.threads ?? envNumber('MD4_NATIVE_THREADS') ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`threads must be a positive integer (got ${threads})`);
  if (typeof process === 'undefined' || process.versions?.node == null) return fail('not running in Node');

  const split = opts.gemmThreads ?? process.env.MD4_NATIVE_GEMM_THREADS ?? 'auto';
  if (split !== 'auto' && split !== 'pool' && split !== 'blas') {
    throw new RangeError(`gemmThreads must be 'auto', 'pool' or 'blas' (got "${split}")`);
  }
  const productChoice = opts.float32Products ?? process.env.MD4_NATIVE_FP32_PRODUCTS ?? 'auto';
  if (!(FLOAT32_PRODUCT_CHOICES as readonly string[]).includes(productChoice)) {
    throw new RangeError(
      `float32Products must be ${FLOAT32_PRODUCT_CHOICES.map((c) => `'${c}'`).join(', ')} (got "${productChoice}")`,
    );
  }
  const started = startAddon(opts, threads, split);
  if ('error' in started) return fail(started.error);
  const { addon } = started;
  const float32Products = applyFloat32Products(addon, productChoice as Float32ProductChoice);

  let cpu: typeof import('@tensorflow/tfjs-backend-cpu');
  try {
    // registers the 'cpu' backend and its kernels (the ones the addon does not replace)
    cpu = await import('@tensorflow/tfjs-backend-cpu');
  } catch (error) {
    return fail(`@tensorflow/tfjs-backend-cpu cannot be loaded (${(error as Error).message})`);
  }

  // Fused kernels the cpu backend does not have: optimizer updates, rotary embedding, the MLP's
  // gate, attention, adaLN, RMS norm, the gated residual. Then every cpu kernel, registered again for 'native', the costly
  // ones replaced by the addon's.
  const fused = [
    ...adaLayerNormKernels(addon, NATIVE_BACKEND),
    ...rmsNormKernels(addon, NATIVE_BACKEND),
    ...attentionKernels(addon, NATIVE_BACKEND),
    ...optimizerKernels(addon, NATIVE_BACKEND),
    ropeKernel(addon, NATIVE_BACKEND),
    ...gateKernels(addon, NATIVE_BACKEND),
    ...geluKernels(addon, NATIVE_BACKEND),
    ...gatedResidualKernels(addon, NATIVE_BACKEND),
  ];
  for (const config of fused) {
    if (tf.getKernel(config.kernelName, NATIVE_BACKEND) == null) tf.registerKernel(config);
  }
  const overrides = {
    ...matMulKernelOverrides(addon),
    ...copyKernelOverrides(addon),
    ...(process.env.MD4_NATIVE_ELEMENTWISE === '0' ? {} : elementwiseKernelOverrides(addon)),
  };
  for (const config of tf.getKernelsForBackend('cpu')) {
    if (tf.getKernel(config.kernelName, NATIVE_BACKEND) != null) continue;
    const kernelFunc = overrides[config.kernelName]?.(config) ?? config.kernelFunc;
    tf.registerKernel({ ...config, kernelFunc, backendName: NATIVE_BACKEND });
  }
  if (tf.findBackendFactory(NATIVE_BACKEND) == null) {
    tf.registerBackend(
      NATIVE_BACKEND,
      () =>
        createNativeBackend(cpu.MathBackendCPU, {
          release: (key) => addon.releaseBf16Copy(key),
          releaseAll: () => addon.releaseBf16Copies(),
        }),
      opts.priority ?? 3,
    );
  }
  activeAddon = addon;
  const info = addon.info();
  registered = {
    ok: true,
    threads: info.threads,
    blas: {
      library: info.library,
      core: info.core,
      config: info.config,
      blasParallel: info.blasParallel,
      poolSplit: info.poolSplit,
    },
    float32Products,
  };
  return registered;
}

/**
 * The precision of the 'native' backend's matrix products from now on: 'fp32' (default), 'bf16'
 * (bfloat16 inputs through oneDNN; see `resolvePrecisionFor` for the error bound) or 'auto'
 * (bf16 where the CPU has bf16 multiply instructions, else fp32). Where 'bf16' cannot be had the
 * result is `ok: false` with the reason, and products stay float32. Throws when the native
 * backend has not been registered.
 */
export function setMatMulPrecision(precision: MatMulPrecision): MatMulPrecisionResult {
  return applyMatMulPrecision(registeredAddon('setMatMulPrecision'), precision);
}

/**
 * What `precision` comes to on the 'native' backend here (as `setMatMulPrecision` would set it),
 * changing nothing: the precision to give a Trainer or a forward pass (@md4/core's
 * `withMatMulPrecision`), which the backend honours for their products. Throws when the native
 * backend has not been registered.
 */
export function resolveMatMulPrecision(precision: MatMulPrecision): MatMulPrecisionResult {
  return resolvePrecisionFor(registeredAddon('resolveMatMulPrecision'), precision);
}

function registeredAddon(caller: string): NativeAddon {
  if (activeAddon == null)
    throw new Error(`${caller}: the native backend is not registered; call registerNativeBackend() first`);
  return activeAddon;
}

/** What the registered native backend's addon reports now (BLAS, precision, oneDNN and its last kernel), or null. */
export function nativeBackendInfo(): AddonInfo | null {
  return activeAddon?.info() ?? null;
}
