import { type DataType, type TensorInfo, util } from '@tensorflow/tfjs-core';

/** The typed arrays the native kernels read and write: a tensor's values, one array per tensor. */
export type NativeValues = Float32Array | Int32Array | Uint8Array;

/**
 * The parts of tfjs-backend-cpu's MathBackendCPU (which the 'native' backend extends) that the
 * native kernels use: each tensor's values, a typed array of its own outside the V8 heap and
 * outside any wasm heap, so that memory is bounded by the machine, not by wasm32's 4 GB.
 */
export interface NativeStorageBackend {
  /**
   * The backend's storage by data id: the entry of a tensor (undefined when it is not on this
   * backend), whose `values` the kernels read, and replace once by their typed array.
   */
  data: {
    get(dataId: object): { values?: unknown; dtype: DataType } | undefined;
  };
  /** Registers a new tensor of `shape` and `dtype` holding `values` (taken over, not copied). */
  makeTensorInfo(shape: number[], dtype: DataType, values?: NativeValues): TensorInfo;
  /** Adds a reference to existing data, for a kernel whose output shares its input's values. */
  incRef(dataId: object): void;
  /** An array for a new tensor's values (see NativeBackend.allocate: the kernel must write every value). */
  allocate(Type: new (length: number) => NativeValues, length: number): NativeValues;
  /** A key naming `values` for the addon's kept copies, or 0 (see NativeBackend.operandKey). */
  operandKey(values: NativeValues): number;
}

/** What tfjs hands a native kernel function (cast from its KernelFunc arguments). */
export interface NativeKernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: NativeStorageBackend;
  attrs: Record<string, unknown>;
}

/** The typed array type the backend keeps values of `dtype` in, or null for string and complex64. */
function arrayTypeOf(dtype: DataType): (new (n: number) => NativeValues) | null {
  return dtype === 'float32'
    ? Float32Array
    : dtype === 'int32'
      ? Int32Array
      : dtype === 'bool'
        ? Uint8Array
        : null;
}

/**
 * The values of `t` (borrowed: the backend owns them; kernels never write to their inputs). Values
 * tfjs stored in another form (an ArrayBuffer, a plain or differently typed array) are converted
 * to the dtype's typed array once, in place.
 */
export function valuesOf(backend: NativeStorageBackend, t: TensorInfo): NativeValues {
  const data = backend.data.get(t.dataId);
  if (data == null) throw new Error('native kernel: a tensor is not on this backend');
  const Type = arrayTypeOf(t.dtype);
  if (Type == null) throw new Error(`native kernel: ${t.dtype} tensors have no native layout`);
  const values = data.values;
  if (values instanceof Type) return values;
  const converted =
    values instanceof ArrayBuffer
      ? (new (Type as unknown as new (b: ArrayBuffer) => NativeValues)(values) as NativeValues)
      : (Type as unknown as { from(v: ArrayLike<number>): NativeValues }).from(values as ArrayLike<number>);
  data.values = converted;
  return converted;
}

/** The float32 values of `t` (borrowed). */
export function float32Of(backend: NativeStorageBackend, t: TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`native kernel: expected a float32 tensor, got ${t.dtype}`);
  return valuesOf(backend, t) as Float32Array;
}

/**
 * A new tensor of `shape` and `dtype` on the backend (owned by the caller) and its values, which
 * the kernel must write in full: they may hold a disposed tensor's values.
 */
export function newTensor(
  backend: NativeStorageBackend,
  shape: number[],
  dtype: DataType,
): { info: TensorInfo; values: NativeValues } {
  const Type = arrayTypeOf(dtype);
  if (Type == null) throw new Error(`native kernel: ${dtype} tensors have no native layout`);
  const values = backend.allocate(Type, util.sizeFromShape(shape));
  return { info: backend.makeTensorInfo(shape, dtype, values), values };
}

/** A new float32 tensor (owned by the caller) and its values. */
export function newFloat32(
  backend: NativeStorageBackend,
  shape: number[],
): { info: TensorInfo; values: Float32Array } {
  return newTensor(backend, shape, 'float32') as { info: TensorInfo; values: Float32Array };
}

/** The shape shared by `tensors`, all float32; an Error naming `kernel` otherwise. */
export function sameShapeFloat32(kernel: string, tensors: TensorInfo[]): number[] {
  const shape = tensors[0]!.shape;
  if (tensors.some((t) => t.dtype !== 'float32' || !util.arraysEqual(t.shape, shape))) {
    throw new Error(`${kernel}: every input must be float32 of one shape`);
  }
  return shape;
}
