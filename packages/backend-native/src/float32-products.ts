import type { NativeAddon } from './addon';
import { dnnlLibraryCandidates } from './matmul-precision';

/**
 * Who computes the native backend's float32 matrix products: 'blas' (OpenBLAS or another CBLAS),
 * 'onednn' (oneDNN's float32 matmul, products from `FLOAT32_ONEDNN_MIN_FLOPS` up), or 'auto'
 * (oneDNN where its kernel for this CPU is a brgemm one, else the BLAS).
 */
export const FLOAT32_PRODUCT_CHOICES = ['auto', 'blas', 'onednn'] as const;

/** A choice of `FLOAT32_PRODUCT_CHOICES`. */
export type Float32ProductChoice = (typeof FLOAT32_PRODUCT_CHOICES)[number];

/** The library float32 products go to: what a choice comes to. */
export type Float32ProductLibrary = Exclude<Float32ProductChoice, 'auto'>;

/**
 * Products (a batch counting together) under this many flops stay on the BLAS even with 'onednn':
 * starting oneDNN's threads costs more than it saves there (on 2 Zen 4 cores the tiny sampler's
 * 50 Mflop products; the threshold of the bf16 products too).
 */
export const FLOAT32_ONEDNN_MIN_FLOPS = 2 ** 26;

/**
 * The kernels of oneDNN 2.6.3's float32 product that beat OpenBLAS 0.3.21: its AVX-512 brgemm
 * ("brg:avx512_core", 200-221 GFLOP/s on 2 Zen 4 cores at the small-cpu config's shapes, caches
 * flushed, against 183-202 for OpenBLAS's SkylakeX kernels cut in panels over the same 2 threads).
 */
const FASTER_ONEDNN_KERNEL = /^brg:avx512/;

/** What a choice came to: the library, oneDNN's float32 kernel when it is used, and why. */
export interface Float32Products {
  /** Where float32 products of at least `FLOAT32_ONEDNN_MIN_FLOPS` go. */
  library: Float32ProductLibrary;
  /** oneDNN's float32 kernel, e.g. "brg:avx512_core" (only with 'onednn'). */
  kernel?: string | undefined;
  /** Why: "asked for", the kernel 'auto' saw, or why oneDNN could not be used. */
  reason: string;
}

/**
 * Sends the addon's float32 products to the library `choice` comes to. 'onednn' where oneDNN
 * cannot be loaded or has no float32 product for this CPU comes to 'blas', the reason saying why
 * (Debian: apt-get install libdnnl2).
 */
export function applyFloat32Products(addon: NativeAddon, choice: Float32ProductChoice): Float32Products {
  if (choice === 'blas') {
    addon.float32Products(false, [], FLOAT32_ONEDNN_MIN_FLOPS);
    return { library: 'blas', reason: 'asked for' };
  }
  try {
    addon.float32Products(true, dnnlLibraryCandidates(), FLOAT32_ONEDNN_MIN_FLOPS);
  } catch (error) {
    addon.float32Products(false, [], FLOAT32_ONEDNN_MIN_FLOPS);
    const reason = error instanceof Error ? error.message : String(error);
    const install = addon.info().dnnl.loaded ? '' : ' (Debian: apt-get install libdnnl2)';
    return { library: 'blas', reason: `${reason}${install}` };
  }
  const kernel = addon.info().dnnl.float32Kernel;
  if (choice === 'auto' && !FASTER_ONEDNN_KERNEL.test(kernel)) {
    addon.float32Products(false, [], FLOAT32_ONEDNN_MIN_FLOPS);
    return { library: 'blas', reason: `oneDNN's float32 kernel here (${kernel}) is not an AVX-512 brgemm` };
  }
  return {
    library: 'onednn',
    kernel,
    reason: choice === 'auto' ? `oneDNN's float32 kernel here is ${kernel}` : 'asked for',
  };
}
