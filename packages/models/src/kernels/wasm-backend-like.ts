import type * as tf from '@tensorflow/tfjs-core';

/**
 * The parts of tfjs-backend-wasm's `BackendWasm` the custom kernels use (typed structurally so this
 * package does not depend on the wasm backend).
 */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** A float32 view of a tensor on the wasm heap. Views go stale when the heap grows: re-read after allocating. */
export function heapF32(backend: WasmBackendLike, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}
