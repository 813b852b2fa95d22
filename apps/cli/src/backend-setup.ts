import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerNativeBackend } from '@md4/backend-native';
import { selectBackend } from '@md4/core';
import { UsageError } from './cli-errors';

const KNOWN = ['auto', 'native', 'wasm', 'cpu'];

/**
 * Registers and selects the tfjs backend for the CLI. `auto` prefers the native BLAS backend when
 * it builds and loads on this machine, else wasm, else cpu. Returns the backend in use and a notice
 * for the user when the preferred one was unavailable.
 */
export async function setupBackend(requested: string): Promise<{ backend: string; notice?: string }> {
  if (!KNOWN.includes(requested)) {
    throw new UsageError(`unknown backend "${requested}"; expected one of ${KNOWN.join(', ')}`);
  }
  let notice: string | undefined;
  if (requested === 'auto' || requested === 'native') {
    const native = await tryNative();
    if (native.ok) {
      const selection = await selectBackend(['native', 'wasm', 'cpu']);
      return { backend: selection.backend };
    }
    notice = `native backend unavailable (${native.reason}); using wasm`;
    if (requested === 'native') notice = `--backend native: ${notice}`;
  }
  const order = requested === 'cpu' ? ['cpu'] : ['wasm', 'cpu'];
  const selection = await selectBackend(order);
  return notice ? { backend: selection.backend, notice } : { backend: selection.backend };
}

async function tryNative(): Promise<{ ok: boolean; reason?: string }> {
  const status = await registerNativeBackend({ log: null });
  return status.ok ? { ok: true } : { ok: false, reason: status.notice ?? 'unavailable' };
}
