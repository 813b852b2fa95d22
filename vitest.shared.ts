import { defineConfig } from 'vitest/config';

/** Shared vitest settings: resolve workspace packages from their TypeScript sources. */
export function packageTestConfig(opts: { tensors?: boolean } = {}) {
  return defineConfig({
    resolve: { conditions: ['md4-source'] },
    // Tests run as SSR in vitest 4: the condition must reach the SSR resolver too.
    ssr: { resolve: { conditions: ['md4-source'] } },
    test: {
      include: ['src/**/*.test.ts'],
      setupFiles: opts.tensors ? [new URL('./vitest.tensor-setup.ts', import.meta.url).pathname] : [],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      pool: 'forks',
    },
  });
}
