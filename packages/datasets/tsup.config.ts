import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    node: 'src/node.ts',
    gpt2: 'src/gpt2.ts',
    bench: 'bench/datasets-bench.ts',
  },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts', node: 'src/node.ts', gpt2: 'src/gpt2.ts' } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
