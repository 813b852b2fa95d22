import { readFileSync } from 'node:fs';
import { type MatMulPrecision, requestedMatMulPrecision } from '@md4/core';
import type { NativeAddon } from './addon';

/** A precision products are computed in: what 'auto' resolves to. */
export type ComputedMatMulPrecision = Exclude<MatMulPrecision, 'auto'>;

/** The CPU flags (as Linux's /proc/cpuinfo spells them) of instructions that multiply bfloat16. */
export const BF16_CPU_FLAGS = ['amx_bf16', 'avx512_bf16'] as const;

/**
 * The bf16 multiply instructions among a CPU's flags (`cpuinfo`: the text of /proc/cpuinfo; read
 * from it by default, empty where it cannot be read).
 */
export function bf16Instructions(cpuinfo?: string): string[] {
  let text = cpuinfo;
  if (text == null) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return [];
    }
  }
  const flags = new Set(/^flags\s*:(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/) ?? []);
  return BF16_CPU_FLAGS.filter((flag) => flags.has(flag));
}

/** oneDNN shared libraries to try, in order: MD4_DNNL_LIBRARY, then Debian's libdnnl2. */
export function dnnlLibraryCandidates(arch: string = process.arch): string[] {
  const triplet = arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  const fromEnv = process.env.MD4_DNNL_LIBRARY;
  return [...(fromEnv ? [fromEnv] : []), 'libdnnl.so.2', `/usr/lib/${triplet}/libdnnl.so.2`];
}

/**
 * What a precision comes to on this machine: the precision products are computed in; for 'auto',
 * `reason` says why it chose that one; `ok: false` when 'bf16' was asked for and cannot be had.
 */
export type MatMulPrecisionResult =
  | {
      ok: true;
      precision: ComputedMatMulPrecision;
      reason?: string | undefined;
      dnnl?: { library: string; version: string } | undefined;
    }
  | { ok: false; precision: 'fp32'; notice: string };

/** Per addon: whether oneDNN loads and has a bf16 product here, or why not (asked once). */
const bf16Support = new WeakMap<NativeAddon, { ok: true } | { ok: false; notice: string }>();

function supportOf(addon: NativeAddon): { ok: true } | { ok: false; notice: string } {
  let support = bf16Support.get(addon);
  if (support == null) {
    const wasBf16 = addon.info().precision === 'bf16';
    try {
      addon.precision(true, dnnlLibraryCandidates());
      support = { ok: true };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const install = addon.info().dnnl.loaded ? '' : ' (Debian: apt-get install libdnnl2)';
      support = { ok: false, notice: `${reason}; matrix products stay float32${install}` };
    }
    addon.precision(wasBf16 && support.ok, []);
    bf16Support.set(addon, support);
  }
  return support;
}

/**
 * What `precision` comes to on this machine, changing nothing (it may load oneDNN):
 *  - 'fp32': float32 through the BLAS;
 *  - 'bf16': the float32 operands are rounded to bfloat16 (nearest even) and multiplied by oneDNN,
 *    which accumulates in float32 and picks the CPU's kernel at run time (AMX on Sapphire Rapids,
 *    AVX512-BF16 on Zen 4/5); tensors, weights and optimizer state stay float32. Each product's
 *    error is then at most (2^-7 + 2^-16 + k 2^-24) (|A| |B|)_ij to first order, k the inner
 *    dimension (bfloat16 keeps 8 significant bits, so each input is off by at most 2^-8 of itself).
 *  - 'auto': 'bf16' where the CPU has bf16 multiply instructions (`bf16Instructions`) and oneDNN
 *    loads, else 'fp32' (bf16 without those instructions is emulated and slower than float32).
 * Where oneDNN cannot be loaded (Debian: apt-get install libdnnl2) or has no bf16 product for this
 * CPU, 'bf16' comes to float32 and the result says why. `addon` is the native backend's.
 */
export function resolvePrecisionFor(
  addon: NativeAddon,
  precision: MatMulPrecision,
  cpuBf16: string[] = bf16Instructions(),
): MatMulPrecisionResult {
  switch (precision) {
    case 'fp32':
      return { ok: true, precision };
    case 'bf16': {
      const support = supportOf(addon);
      if (!support.ok) return { ok: false, precision: 'fp32', notice: support.notice };
      const { library, version } = addon.info().dnnl;
      return { ok: true, precision: 'bf16', dnnl: { library, version } };
    }
    case 'auto': {
      if (cpuBf16.length === 0)
        return {
          ok: true,
          precision: 'fp32',
          reason: `this CPU has no bf16 multiply instructions (${BF16_CPU_FLAGS.join(', ')})`,
        };
      const bf16 = resolvePrecisionFor(addon, 'bf16', cpuBf16);
      if (bf16.ok) return { ...bf16, reason: `this CPU has ${cpuBf16.join(', ')}` };
      return { ok: true, precision: 'fp32', reason: bf16.notice };
    }
  }
}

/** `resolvePrecisionFor`, then every product of the backend is computed in what it came to. */
export function applyMatMulPrecision(
  addon: NativeAddon,
  precision: MatMulPrecision,
  cpuBf16: string[] = bf16Instructions(),
): MatMulPrecisionResult {
  const result = resolvePrecisionFor(addon, precision, cpuBf16);
  addon.precision(result.precision === 'bf16', result.precision === 'bf16' ? dnnlLibraryCandidates() : []);
  return result;
}

/** Per addon: the gemm precision code each request comes to (the CPU and oneDNN do not change). */
const requestCodes = new WeakMap<NativeAddon, Map<MatMulPrecision, 0 | 1>>();

/**
 * The addon's gemm precision code for the request of `@md4/core`'s `withMatMulPrecision` now
 * running: -1 with none (the precision `applyMatMulPrecision` set), else 0 (float32) or 1 (bf16)
 * as `resolvePrecisionFor` resolves the request.
 */
export function requestedPrecisionCode(addon: NativeAddon): -1 | 0 | 1 {
  const requested = requestedMatMulPrecision();
  if (requested == null) return -1;
  let codes = requestCodes.get(addon);
  if (codes == null) {
    codes = new Map();
    requestCodes.set(addon, codes);
  }
  let code = codes.get(requested);
  if (code == null) {
    code = resolvePrecisionFor(addon, requested).precision === 'bf16' ? 1 : 0;
    codes.set(requested, code);
  }
  return code;
}
