import { defineConfig } from 'tsup';

// The benchmark as one Node script: workspace packages bundled from their sources, tfjs external.
export default defineConfig({
  entry: { bench: 'src/bench/sampler-bench.ts' },
  format: ['esm'],
  outDir: 'dist',
  clean: false,
  dts: false,
  target: 'es2022',
  platform: 'node',
  noExternal: [/^@md4\//],
  external: [/^@tensorflow\//],
  esbuildOptions(options) {
    options.conditions = ['md4-source'];
  },
});
