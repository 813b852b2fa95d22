// The worker registers every tfjs backend it offers (the one place in the package that does): @tensorflow/tfjs brings cpu, webgl and the
// gradient functions that training needs; wasm and webgpu are separate packages.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { type BackendName, selectBackend } from '@md4/core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendChoice, BackendInfo } from '../protocol';
import { gpuAdapter } from './gpu-adapter';

// The .wasm binaries sit next to the worker (the package build copies them into dist/), so a page
// serves them itself and nothing is fetched from a CDN. Written as `new URL('./…', import.meta.url)`
// so that a bundler that ships the worker ships the binaries too.
setWasmPaths({
  'tfjs-backend-wasm.wasm': new URL('./tfjs-backend-wasm.wasm', import.meta.url).href,
  'tfjs-backend-wasm-simd.wasm': new URL('./tfjs-backend-wasm-simd.wasm', import.meta.url).href,
  'tfjs-backend-wasm-threaded-simd.wasm': new URL('./tfjs-backend-wasm-threaded-simd.wasm', import.meta.url)
    .href,
});

const AUTO: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/**
 * Makes `choice` the active backend. 'auto' takes the first of WebGPU, WebGL, wasm, cpu that works,
 * passing over a GPU backend without an adapter and one whose adapter is a software renderer
 * (SwiftShader, llvmpipe): that emulates a GPU on the same CPU that wasm uses directly (the demo
 * model sampled 7.6x slower on llvmpipe's WebGL and 50x slower on SwiftShader's WebGPU than on wasm
 * here). Asked for by name, a software adapter is used all the same.
 *
 * @throws Error saying, in a visitor's words, why the backend asked for cannot start.
 */
export async function activateBackend(choice: BackendChoice): Promise<BackendInfo> {
  const skipped: BackendInfo['skipped'] = [];
  const preference: BackendName[] = [];
  for (const name of choice === 'auto' ? AUTO : [choice]) {
    const adapter = await gpuAdapter(name);
    switch (adapter.kind) {
      case 'absent':
        if (choice !== 'auto') throw new Error(adapter.reason);
        skipped.push({ name, reason: adapter.reason });
        break;
      case 'software':
        if (choice !== 'auto') preference.push(name);
        else
          skipped.push({
            name,
            reason: `its adapter is a software renderer (${adapter.renderer}), slower than wasm on this CPU; choose it by name to use it anyway`,
          });
        break;
      case 'hardware':
      case 'not-a-gpu-backend':
        preference.push(name);
        break;
    }
  }
  const selection = await selectBackend(preference);
  const order = (name: string) => AUTO.indexOf(name);
  return {
    choice,
    backend: selection.backend,
    skipped: [...skipped, ...selection.skipped].sort((a, b) => order(a.name) - order(b.name)),
    crossOriginIsolated: self.crossOriginIsolated === true,
  };
}
