import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/bench/native-bench.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // The bench imports @tensorflow/tfjs (a dev dependency): load it from node_modules, never bundle it.
  external: [/^@tensorflow\//],
});
