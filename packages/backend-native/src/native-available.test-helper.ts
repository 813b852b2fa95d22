import { type NativeBackendStatus, registerNativeBackend } from './register-native-backend';

/**
 * Registers the native backend once for a test file. Where it cannot load (no addon, no BLAS)
 * the kernel tests are skipped with the fallback notice, so the suite still passes on a machine
 * without OpenBLAS; MD4_REQUIRE_NATIVE=1 (set it in CI where OpenBLAS is installed) makes that a
 * failure instead.
 */
export const nativeStatus: NativeBackendStatus = await registerNativeBackend({ log: null });

if (!nativeStatus.ok) {
  if (process.env.MD4_REQUIRE_NATIVE === '1') {
    throw new Error(`MD4_REQUIRE_NATIVE=1 but the native backend is unavailable: ${nativeStatus.notice}`);
  }
  console.warn(`${nativeStatus.notice} (native kernel tests skipped)`);
}

export const nativeAvailable = nativeStatus.ok;
