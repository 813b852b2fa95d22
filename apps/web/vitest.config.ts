import { defineConfig } from 'vitest/config';

/**
 * End-to-end tests: the global setup builds the app and serves it with `vite preview`; each test file
 * drives Debian's Chromium through playwright-core. One file at a time: a browser on a 2-core machine
 * is heavy, and software WebGPU/WebGL are slow.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
