import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * The parts of tfjs-backend-wasm's BackendWasm that the native kernels use: each tensor's byte
 * offset on the WebAssembly heap (`dataIdMap.get(dataId).memoryOffset`), the heap itself
 * (`wasm.HEAPU8.buffer`, replaced whenever the heap grows) and output allocation.
 */
export interface WasmHeapBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  incRef(dataId: object): void;
}

/** Byte offset of a tensor's data on the heap. */
export function heapOffset(backend: WasmHeapBackend, t: TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (data == null) throw new Error('native kernel: a tensor is not on this backend');
  return data.memoryOffset;
}
