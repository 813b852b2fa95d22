import { type DataType, type TensorInfo, util } from '@tensorflow/tfjs-core';

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

/** What tfjs hands a native kernel function (cast from its KernelFunc arguments). */
export interface NativeKernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: WasmHeapBackend;
  attrs: Record<string, unknown>;
}

/** The shape shared by `tensors`, all float32; an Error naming `kernel` otherwise. */
export function sameShapeFloat32(kernel: string, tensors: TensorInfo[]): number[] {
  const shape = tensors[0]!.shape;
  if (tensors.some((t) => t.dtype !== 'float32' || !util.arraysEqual(t.shape, shape))) {
    throw new Error(`${kernel}: every input must be float32 of one shape`);
  }
  return shape;
}
