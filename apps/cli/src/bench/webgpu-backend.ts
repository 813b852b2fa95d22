// tfjs's 'webgpu' backend in Node, on Dawn (npm `webgpu`; Vulkan under Linux).
import * as tf from '@tensorflow/tfjs-core';
import { create, globals } from 'webgpu';

let registered: Promise<GPUAdapterInfo> | undefined;

/**
 * Registers tfjs's 'webgpu' backend on Dawn's GPU object (once per process; later calls return the
 * first call's adapter) and makes it the current backend. Node 20 has no `navigator`, and the
 * backend registers itself at import only where `navigator.gpu` exists, so it is imported after.
 */
export async function registerWebGpu(): Promise<GPUAdapterInfo> {
  registered ??= startWebGpu();
  const info = await registered;
  if (!(await tf.setBackend('webgpu')))
    throw new Error('tfjs could not start its webgpu backend on this adapter');
  return info;
}

async function startWebGpu(): Promise<GPUAdapterInfo> {
  Object.assign(globalThis, globals);
  const gpu = create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter == null)
    throw new Error(
      'no WebGPU adapter: Dawn found no Vulkan device. It needs the Vulkan loader (Debian package libvulkan1) ' +
        "and a driver: the GPU's, or on the CPU " +
        'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (Debian package chromium)',
    );
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  return adapter.info;
}
