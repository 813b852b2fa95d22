import { selectBackend } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { NATIVE_BACKEND, registerNativeBackend } from './register-native-backend';

/** Runs f with MD4_NATIVE set to `value` (undefined: unset), restoring it afterwards. */
async function withMd4Native<T>(value: string | undefined, f: () => Promise<T>): Promise<T> {
  const saved = process.env.MD4_NATIVE;
  if (value == null) delete process.env.MD4_NATIVE;
  else process.env.MD4_NATIVE = value;
  try {
    return await f();
  } finally {
    if (saved == null) delete process.env.MD4_NATIVE;
    else process.env.MD4_NATIVE = saved;
  }
}

// Runs in its own process (vitest forks pool): the fallback cases come before any successful
// registration, which is cached for the life of the process.
describe('registerNativeBackend', () => {
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it('falls back with one logged line when the addon is missing, registering nothing', async () => {
    const lines: string[] = [];
    const status = await withMd4Native(undefined, () =>
      registerNativeBackend({ addonPath: '/nonexistent/md4_native.node', log: (l) => lines.push(l) }),
    );
    expect(status.ok).toBe(false);
    expect(status.threads).toBe(1);
    expect(status.notice).toMatch(/^@md4\/backend-native: the addon is not built .*; using plain wasm$/);
    expect(lines).toEqual([status.notice]);
    expect(tf.findBackendFactory(NATIVE_BACKEND)).toBeNull();
    const chosen = await selectBackend([NATIVE_BACKEND, 'wasm']);
    expect(chosen.backend).toBe('wasm');
    expect(chosen.skipped).toEqual([
      {
        name: NATIVE_BACKEND,
        reason:
          'no backend named "native" is registered: import the package that registers it first, or pass a loader for it',
      },
    ]);
  });

  it('falls back when no BLAS library loads, naming the package to install', async () => {
    const status = await withMd4Native(undefined, () =>
      registerNativeBackend({ libraries: ['/nonexistent/libopenblas.so.0'], log: null }),
    );
    // A BLAS that an earlier test in this process loaded stays loaded; only check when none did.
    if (!status.ok) expect(status.notice).toMatch(/no BLAS library could be loaded .*install one: /);
  });

  it('is switched off by MD4_NATIVE=0', async () => {
    const status = await withMd4Native('0', () => registerNativeBackend({ log: null }));
    expect(status).toEqual({
      ok: false,
      threads: 1,
      notice: '@md4/backend-native: disabled by MD4_NATIVE=0; using plain wasm',
    });
  });

  it('rejects a bad thread count or threading mode with a clear error', async () => {
    await expect(registerNativeBackend({ threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
    await expect(registerNativeBackend({ gemmThreads: 'many' as 'pool', log: null })).rejects.toThrow(
      /gemmThreads must be 'auto', 'pool' or 'blas'/,
    );
  });

  it("registers 'native' where the addon and a BLAS load, and selectBackend picks it", async () => {
    const status = await registerNativeBackend({ log: null });
    if (!status.ok) {
      expect(process.env.MD4_REQUIRE_NATIVE).not.toBe('1');
      return;
    }
    expect(status.threads).toBeGreaterThanOrEqual(1);
    expect(status.blas?.library).toMatch(/blas|Accelerate/i);
    expect(await registerNativeBackend()).toBe(status); // idempotent
    const chosen = await selectBackend([NATIVE_BACKEND, 'wasm']);
    expect(chosen).toEqual({ backend: NATIVE_BACKEND, skipped: [] });
    // Every cpu kernel is available on native; the products and copies are native ones.
    for (const k of tf.getKernelsForBackend('cpu'))
      expect(tf.getKernel(k.kernelName, NATIVE_BACKEND)).toBeDefined();
    for (const name of ['BatchMatMul', '_FusedMatMul', 'Transpose', 'Slice', 'Softmax', 'Sum', 'Multiply']) {
      expect(tf.getKernel(name, NATIVE_BACKEND)!.kernelFunc).not.toBe(tf.getKernel(name, 'cpu')!.kernelFunc);
    }
  });

  it('holds a tensor past the 4 GB of a wasm32 heap and computes on it natively', async () => {
    const status = await registerNativeBackend({ log: null });
    if (!status.ok) return;
    await tf.setBackend(NATIVE_BACKEND);
    // 2^30 + 64 float32 values: 4 GiB and 256 bytes, more than a wasm heap can address. Its pages
    // are mapped lazily, so only the ones touched below take memory.
    const n = 2 ** 30 + 64;
    const before = tf.memory().numTensors;
    const tail = tf.tidy(() => {
      const big = tf.zeros([n]);
      expect(big.size * 4).toBeGreaterThan(2 ** 32);
      const end = tf.slice(big, [n - 8], [8]); // native strided copy from past the 4 GiB mark
      return tf.add(end, tf.range(0, 8)).dataSync();
    });
    expect(Array.from(tail)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
