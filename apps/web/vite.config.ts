import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';
import { contentSecurityPolicy } from './src/build/content-security-policy.ts';
import { offlinePrecache } from './src/build/offline-precache.ts';

/**
 * Cross-origin isolation: lets the wasm backend use threads (SharedArrayBuffer). Static hosts need
 * the same two headers (see public/_headers and the README).
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const browserPackageBuild = new URL('../../packages/browser/dist/index.js', import.meta.url);

/** Build checks: timings are noise in the log. */
const checks = { bundlerTimings: false };

export default defineConfig({
  // Relative asset URLs: the build works from any folder of a static host.
  base: './',
  resolve: {
    // Workspace packages resolve to their TypeScript sources: no package build needed first.
    conditions: ['md4-source', ...defaultClientConditions],
    // Except @md4/browser: the app uses its build (pnpm build), as any bundler gets it from npm, so
    // that the worker and the wasm binaries beside it ship the way they ship to other apps.
    alias: [{ find: /^@md4\/browser$/, replacement: fileURLToPath(browserPackageBuild) }],
  },
  worker: {
    format: 'es',
    // Whitespace-only minification for the worker: the threaded wasm backend starts its threads from
    // the source text of an Emscripten function (Function.prototype.toString); renaming or compressing
    // identifiers breaks those threads ("_scriptDir is not defined").
    rolldownOptions: { checks, output: { minify: { mangle: false, compress: false } } },
  },
  plugins: [contentSecurityPolicy(), offlinePrecache()],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      input: { main: 'index.html', embed: 'examples/embed.html' },
      checks,
    },
  },
});
