// The app registers every tfjs backend it offers: @tensorflow/tfjs brings cpu, webgl and the
// gradient functions that training needs; wasm and webgpu are separate packages.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { type BackendName, selectBackend } from '@md4/core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendChoice, BackendInfo } from './protocol';

// The .wasm binaries are bundled by Vite (copied into the build as assets) and served by the app
// itself: nothing is fetched from a CDN.
setWasmPaths({
  'tfjs-backend-wasm.wasm': new URL(wasmPlain, self.location.href).href,
  'tfjs-backend-wasm-simd.wasm': new URL(wasmSimd, self.location.href).href,
  'tfjs-backend-wasm-threaded-simd.wasm': new URL(wasmThreadedSimd, self.location.href).href,
});

const AUTO: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** Makes `choice` the active backend ('auto': the first of WebGPU, WebGL, wasm, cpu that works). */
export async function activateBackend(choice: BackendChoice): Promise<BackendInfo> {
  const preference = choice === 'auto' ? AUTO : [choice];
  const selection = await selectBackend(preference);
  return { ...selection, crossOriginIsolated: self.crossOriginIsolated === true };
}
