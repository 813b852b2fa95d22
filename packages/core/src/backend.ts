import * as tf from '@tensorflow/tfjs-core';

/** Backends an app can ask for, fastest first in a browser. */
export type BackendName = 'native' | 'webgpu' | 'webgl' | 'wasm' | 'cpu' | (string & {});

/** What `selectBackend` chose, and why the ones before it were passed over. */
export interface BackendSelection {
  backend: string;
  skipped: Array<{ name: string; reason: string }>;
}

/**
 * Loads the tfjs package that registers a backend, unless one with that name is registered
 * already. Apps may register their own (e.g. a native backend) before calling `selectBackend`.
 */
async function registerBackend(name: string): Promise<void> {
  if (tf.findBackendFactory(name) != null) return;
  switch (name) {
    case 'wasm':
      await import('@tensorflow/tfjs-backend-wasm');
      return;
    case 'webgpu':
      if (typeof navigator === 'undefined' || !('gpu' in navigator) || navigator.gpu == null) {
        throw new Error('navigator.gpu is not available');
      }
      await import('@tensorflow/tfjs-backend-webgpu');
      return;
    case 'webgl':
      if (typeof document === 'undefined' && typeof OffscreenCanvas === 'undefined') {
        throw new Error('no canvas to create a WebGL context');
      }
      await import('@tensorflow/tfjs-backend-webgl');
      return;
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return;
    default:
      throw new Error(`no backend named "${name}" is registered`);
  }
}

/**
 * Initialises the first backend in `preference` that works and makes it the active one.
 * Only apps call this; libraries use whatever backend is active. In Node the wasm backend finds
 * its .wasm binaries inside its own package, with no network.
 *
 * @throws Error listing why each backend failed when none works.
 */
export async function selectBackend(
  preference: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'],
): Promise<BackendSelection> {
  if (preference.length === 0) throw new RangeError('selectBackend needs at least one backend name');
  const skipped: BackendSelection['skipped'] = [];
  for (const name of preference) {
    try {
      await registerBackend(name);
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { backend: tf.getBackend(), skipped };
      }
      skipped.push({ name, reason: 'initialisation failed' });
    } catch (error) {
      skipped.push({ name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  const why = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  throw new Error(`no tfjs backend could be initialised (${why})`);
}
