import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerNativeBackend } from '@md4/backend-native';
import { findRepoRoot } from './torch-peer';

/**
 * Registers the native backend from the repo's built addon (the benchmarks are bundled away from
 * the package, so its default addon path does not point at it), silently; the status says why not.
 */
export function registerRepoNativeBackend(): ReturnType<typeof registerNativeBackend> {
  const root = findRepoRoot(dirname(fileURLToPath(import.meta.url))) ?? findRepoRoot(process.cwd());
  const addon = root && join(root, 'packages/backend-native/native/build/Release/md4_native.node');
  return registerNativeBackend({ log: null, ...(addon && existsSync(addon) ? { addonPath: addon } : {}) });
}
