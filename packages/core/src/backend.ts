import * as tf from '@tensorflow/tfjs-core';

/** Backends an app can ask for, fastest first in a browser. */
export type BackendName = 'native' | 'webgpu' | 'webgl' | 'wasm' | 'cpu' | (string & {});

/** What `selectBackend` chose, and why the ones before it were passed over. */
export interface BackendSelection {
  /** The active backend's name after the call (`tf.getBackend()`). */
  backend: string;
  /** The backends tried before it, in order, each with the error or failure that ruled it out. */
  skipped: Array<{ name: string; reason: string }>;
}

/**
 * Functions that import the package registering a backend, by backend name, for `selectBackend`
 * to call only when that backend is tried, e.g. `{ wasm: () => import('@tensorflow/tfjs-backend-wasm') }`.
 * The app writes the imports, so its bundler sees exactly the packages it installed.
 */
export type BackendLoaders = Readonly<Partial<Record<string, () => Promise<unknown>>>>;

/** Why `name` cannot work in this environment, checked before anything is loaded; null if it may. */
function missingPrerequisite(name: string): string | null {
  if (
    name === 'webgpu' &&
    (typeof navigator === 'undefined' || !('gpu' in navigator) || navigator.gpu == null)
  ) {
    return 'navigator.gpu is not available';
  }
  if (name === 'webgl' && typeof document === 'undefined' && typeof OffscreenCanvas === 'undefined') {
    return 'no canvas to create a WebGL context';
  }
  return null;
}

/** Makes sure a backend named `name` is registered: already (an import of its package), or by its loader. */
async function registerBackend(name: string, load: BackendLoaders): Promise<void> {
  const missing = missingPrerequisite(name);
  if (missing != null) throw new Error(missing);
  if (tf.findBackendFactory(name) != null) return;
  const loader = load[name];
  if (loader == null) {
    const known = ['wasm', 'webgpu', 'webgl', 'cpu'].includes(name);
    throw new Error(
      `no backend named "${name}" is registered: import ${known ? `@tensorflow/tfjs-backend-${name}` : 'the package that registers it'} first, or pass a loader for it`,
    );
  }
  await loader();
  if (tf.findBackendFactory(name) == null)
    throw new Error(`its loader registered no backend named "${name}"`);
}

/**
 * Initialises the first backend in `preference` that works and makes it the active one. A backend
 * is tried if its package has been imported (it registered itself) or `load` has a loader for it;
 * this module imports no backend package itself, so any bundler takes it as it is. Only apps call
 * this; libraries use whatever backend is active. In Node the wasm backend finds its .wasm binaries
 * inside its own package, with no network.
 *
 * @throws Error listing why each backend failed when none works.
 */
export async function selectBackend(
  preference: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'],
  load: BackendLoaders = {},
): Promise<BackendSelection> {
  if (preference.length === 0) throw new RangeError('selectBackend needs at least one backend name');
  const skipped: BackendSelection['skipped'] = [];
  for (const name of preference) {
    try {
      await registerBackend(name, load);
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
