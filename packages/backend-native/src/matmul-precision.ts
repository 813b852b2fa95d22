import type { NativeAddon } from './addon';

/** Precisions of the native backend's matrix products, in the order `--precision` lists them. */
export const MATMUL_PRECISIONS = ['fp32', 'bf16'] as const;
export type MatMulPrecision = (typeof MATMUL_PRECISIONS)[number];

/** oneDNN shared libraries to try, in order: MD4_DNNL_LIBRARY, then Debian's libdnnl2. */
export function dnnlLibraryCandidates(arch: string = process.arch): string[] {
  const triplet = arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  const fromEnv = process.env.MD4_DNNL_LIBRARY;
  return [...(fromEnv ? [fromEnv] : []), 'libdnnl.so.2', `/usr/lib/${triplet}/libdnnl.so.2`];
}

/** What `setMatMulPrecision` did. */
export type MatMulPrecisionResult =
  | { ok: true; precision: MatMulPrecision; dnnl?: { library: string; version: string } }
  | { ok: false; precision: 'fp32'; notice: string };

/**
 * Sets the precision of every matrix product the 'native' backend computes from now on (forward
 * and both backward products alike):
 *  - 'fp32': float32 through the BLAS (the default);
 *  - 'bf16': the float32 operands are rounded to bfloat16 (nearest even) and multiplied by oneDNN,
 *    which accumulates in float32 and picks the CPU's kernel at run time (AMX on Sapphire Rapids,
 *    AVX512-BF16 on Zen 4/5); tensors, weights and optimizer state stay float32. Each product's
 *    error is then at most (2^-7 + 2^-16 + k 2^-24) (|A| |B|)_ij to first order, k the inner
 *    dimension (bfloat16 keeps 8 significant bits, so each input is off by at most 2^-8 of itself).
 * Where oneDNN cannot be loaded (Debian: apt-get install libdnnl2) the products stay float32 and
 * the result says why. `addon` is the native backend's.
 */
export function applyMatMulPrecision(addon: NativeAddon, precision: MatMulPrecision): MatMulPrecisionResult {
  switch (precision) {
    case 'fp32':
      addon.precision(false, []);
      return { ok: true, precision };
    case 'bf16':
      try {
        addon.precision(true, dnnlLibraryCandidates());
      } catch (error) {
        addon.precision(false, []);
        const reason = error instanceof Error ? error.message : String(error);
        return {
          ok: false,
          precision: 'fp32',
          notice: `${reason}; matrix products stay float32 (Debian: apt-get install libdnnl2)`,
        };
      }
      {
        const { library, version } = addon.info().dnnl;
        return { ok: true, precision, dnnl: { library, version } };
      }
  }
}
