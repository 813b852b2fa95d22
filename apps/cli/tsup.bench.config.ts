import { defineConfig } from 'tsup';

// The speed benchmark as one Node script (dist/bench.js), kept apart from the CLI build: workspace
// packages bundled from their sources, tfjs external.
export default defineConfig({
  entry: {
    bench: 'src/bench/speed-bench.ts',
    'ddit-bench': 'src/bench/ddit-bench.ts',
    'gpu-bench': 'src/bench/gpu-bench.ts',
    'sampler-bench': 'src/bench/sampler-bench.ts',
    'memory-bench': 'src/bench/memory-bench.ts',
  },
  format: ['esm'],
  outDir: 'dist',
  clean: false,
  dts: false,
  sourcemap: false,
  target: 'node20',
  platform: 'node',
  noExternal: [/^@md4\/(?!datasets)/],
  external: [/^@tensorflow\//, /^@md4\/datasets/, 'webgpu'],
  esbuildOptions(options) {
    options.conditions = ['md4-source'];
  },
});
