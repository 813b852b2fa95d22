import { copyFile } from 'node:fs/promises';
import { defineConfig } from 'tsup';

/** The tfjs wasm backend's binaries, copied next to the worker that loads them (worker/backends.ts). */
const WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
];
const wasmFolder = new URL('./node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url);

export default defineConfig([
  // The client: what a page imports. No tfjs, no runtime dependencies; the sampler option types of
  // @md4/samplers are inlined into its declarations, so the package installs with nothing else.
  {
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    dts: { resolve: ['@md4/samplers'] },
    sourcemap: true,
  },
  // The worker: one self-contained ES module (tfjs, its backends, the models and samplers inside),
  // so a page without a bundler can start it; GPT-2's tokenizer is a chunk of its own, loaded on
  // first use. Not minified: the threaded wasm backend starts its threads from the source text of
  // an Emscripten function, which renaming breaks.
  {
    entry: { 'md4-worker': 'src/md4-worker.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    noExternal: [/.*/],
    splitting: true,
    minify: false,
    // Its declarations are empty (a worker exports nothing): they are there so that
    // `import '@md4/browser/worker'` type-checks.
    dts: true,
    async onSuccess() {
      for (const name of WASM_FILES)
        await copyFile(new URL(name, wasmFolder), new URL(`./dist/${name}`, import.meta.url));
    },
  },
]);
