import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  type ComputedMatMulPrecision,
  type MatMulPrecision,
  registerNativeBackend,
  resolveMatMulPrecision,
  setMatMulPrecision,
} from '@md4/backend-native';
import { selectBackend } from '@md4/core';
import { BACKEND_NAMES } from './backend-names';
import { UsageError } from './cli-errors';

/** The backend in use, the precision its matrix products are computed in, and what to tell the user. */
export interface BackendSetup {
  backend: string;
  precision: ComputedMatMulPrecision;
  notice?: string;
}

/**
 * Registers and selects the tfjs backend for the CLI. `auto` prefers the native BLAS backend when
 * it builds and loads on this machine, else wasm, else cpu. `precision` 'bf16' sends the native
 * backend's matrix products through oneDNN with bfloat16 inputs; elsewhere (another backend, no
 * oneDNN, a CPU it has no bf16 product for) they stay float32 and the notice says why. 'auto' is
 * bf16 where the CPU has bf16 instructions, else float32 without a notice. The notice also says
 * when the preferred backend was unavailable. `scope` 'backend' sets the precision for every
 * product; 'resolve' leaves the backend in float32 and only says what the precision comes to (for
 * a Trainer, whose step then asks for it while evaluation and sampling stay float32).
 */
export async function setupBackend(
  requested: string,
  precision: MatMulPrecision = 'fp32',
  scope: 'backend' | 'resolve' = 'backend',
): Promise<BackendSetup> {
  if (!(BACKEND_NAMES as readonly string[]).includes(requested)) {
    throw new UsageError(`unknown backend "${requested}"; expected one of ${BACKEND_NAMES.join(', ')}`);
  }
  let notice: string | undefined;
  if (requested === 'auto' || requested === 'native') {
    const native = await tryNative();
    if (native.ok) {
      const selection = await selectBackend(['native', 'wasm', 'cpu']);
      const set = scope === 'backend' ? setMatMulPrecision(precision) : resolveMatMulPrecision(precision);
      if (set.ok) return { backend: selection.backend, precision: set.precision };
      return {
        backend: selection.backend,
        precision: 'fp32',
        notice: `--precision ${precision}: ${set.notice}`,
      };
    }
    notice = `native backend unavailable (${native.reason}); using wasm`;
    if (requested === 'native') notice = `--backend native: ${notice}`;
  }
  const order = requested === 'cpu' ? ['cpu'] : ['wasm', 'cpu'];
  const selection = await selectBackend(order);
  if (precision === 'bf16') {
    notice = `${notice ? `${notice}; ` : ''}--precision ${precision} needs the native backend; matrix products stay float32`;
  }
  return notice
    ? { backend: selection.backend, precision: 'fp32', notice }
    : { backend: selection.backend, precision: 'fp32' };
}

async function tryNative(): Promise<{ ok: boolean; reason?: string }> {
  const status = await registerNativeBackend({ log: null });
  return status.ok ? { ok: true } : { ok: false, reason: status.notice ?? 'unavailable' };
}
