// What a browser user writes, bundled by esbuild from the packed packages (scripts/package-check.sh):
// the bundle must build without Node built-ins or backend packages the app did not install.
import '@tensorflow/tfjs';
import { selectBackend } from '@md4/core';
import { loadTextGenerator } from '@md4/generate';

export async function generateFrom(url: string, signal: AbortSignal): Promise<string[]> {
  const { backend } = await selectBackend(['webgl', 'cpu']);
  const generator = await loadTextGenerator(url, { signal, cache: 'md4-models' });
  try {
    return await generator.generate({
      count: 2,
      steps: 64,
      signal,
      onStep: ({ texts }) => console.log(backend, texts[0]),
    });
  } finally {
    generator.dispose();
  }
}
