import { defineConfig } from 'vitest/config';

/**
 * Unit tests next to the code (src/**, in Node) and end-to-end tests (test/**): the global setup
 * builds the app and serves it with `vite preview`; each test file drives Debian's Chromium through
 * playwright-core. One file at a time: a browser on a 2-core machine is heavy, and software
 * WebGPU/WebGL are slow.
 */
export default defineConfig({
  // Unit tests (src/**) import workspace packages from their TypeScript sources.
  resolve: { conditions: ['md4-source'] },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
