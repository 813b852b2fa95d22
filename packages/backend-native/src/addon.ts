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
}

/** The N-API addon built from native/md4_native.cc. */
export interface NativeAddon {
  /** Opens the first BLAS of `libraries` that loads; sizes the thread pool. Throws when none loads. */
  init(libraries: string[], threads: number, minBatchSplitFlops: number, tuneCoreType: boolean): void;
  info(): AddonInfo;
  /**
   * Row-major C[i] = act(op(A[i]) op(B[i]) + bias) for i < batch, on `heap`, in place. Offsets in
   * bytes, batch strides in float32 elements (0 broadcasts), biasOffset -1 for none.
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
  ): void;
  /**
   * dst[i0..ir] (contiguous, row-major over the shape) = src[sum_d i_d * strides[d]] on `heap`;
   * `layout` is [...shape, ...strides], strides in elements (any sign). Offsets in bytes.
   */
  copy(heap: ArrayBufferLike, srcOffset: number, dstOffset: number, elementBytes: number, layout: Float64Array): void;
}

/** Where `pnpm install` (scripts/build-addon.mjs, node-gyp) puts the addon. */
export const defaultAddonPath = fileURLToPath(
  new URL('../native/build/Release/md4_native.node', import.meta.url),
);

/** Loads the compiled addon, or says in one phrase why it cannot. */
export function loadAddon(path: string = defaultAddonPath): { addon: NativeAddon } | { error: string } {
  if (!existsSync(path)) {
    return { error: `the addon is not built (${path} missing; run \`pnpm --filter @md4/backend-native build:addon\`)` };
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
