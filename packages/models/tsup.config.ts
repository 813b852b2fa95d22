import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts', 'src/node.ts', 'src/layers.ts'],
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
  },
  {
    // The benchmark: workspace packages bundled from source, tfjs left external.
    entry: { bench: 'src/bench/bench.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: false,
    clean: false,
    target: 'es2022',
    noExternal: [/^@md4\//],
    external: [/^@tensorflow\//],
    esbuildOptions(options) {
      options.conditions = ['md4-source'];
    },
  },
]);
