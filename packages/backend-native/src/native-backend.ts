import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { backend_util, DataType } from '@tensorflow/tfjs-core';
import { ArrayPool, type NativeArrayType } from './array-pool';
import type { NativeValues } from './tensor-storage';

/** The 'native' backend object: what the native kernels see of it besides MathBackendCPU's storage. */
export interface NativeBackend extends MathBackendCPU {
  /**
   * A typed array for a new tensor's values, of `length` values of `Type`: reused from a
   * disposed tensor (holding its old values: the kernel must write every value) or new.
   */
  allocate(Type: NativeArrayType, length: number): NativeValues;
  /** Bytes of disposed tensors kept for reuse. */
  readonly pooledBytes: number;
  /**
   * A key for `values` under which the addon may keep a copy of them (the bf16 copy of a product's
   * operand), released when they stop being those values; 0 where they are not a pooled array.
   */
  operandKey(values: NativeValues): number;
}

/**
 * From this many values (16 MB of float32) up, a read of a pooled tensor returns the tensor's own
 * array and the pool gives that memory up, instead of copying it: copying the 823 MB of logits of
 * a batch of 4 mdlm-owt sequences took 0.4-3.7 s on 2 Zen 5 cores, while the next forward's fresh
 * array for them costs 0.3-0.8 s more (its pages faulted in): 4.2 against 3.0 s a forward and read
 * (eight of each, alternating). Under it, a copy keeps the pooled array for the next step.
 */
export const OWN_ARRAY_READ_VALUES = 2 ** 22;

/** Where the addon keeps copies of tensors' values by key: the backend releases them. */
export interface KeptCopies {
  /** Drops the copies kept under `key`. */
  release(key: number): void;
  /** Drops every copy. */
  releaseAll(): void;
}

/**
 * The 'native' backend object: tfjs-backend-cpu's MathBackendCPU (its tensor storage, one typed
 * array per tensor outside the V8 heap and any wasm heap; its bookkeeping; every kernel the addon
 * does not replace) with the native kernels' outputs drawn from an `ArrayPool`, reads that
 * return copies of pooled arrays (a caller may keep what `dataSync` gave it after the tensor is
 * disposed and its memory reused) or, from `OWN_ARRAY_READ_VALUES` values up, the array itself,
 * which the pool then never reuses, and without the cpu backend's "install tfjs-node" notice.
 * Taking the class as an argument keeps the cpu backend's module (which registers kernels on
 * import) out of this package's static imports.
 */
export function createNativeBackend(Base: typeof MathBackendCPU, copies?: KeptCopies): NativeBackend {
  class Native extends Base implements NativeBackend {
    private readonly pool = new ArrayPool();
    /** Keys handed out by operandKey whose values are still there. */
    private readonly keysInUse = new Set<number>();

    constructor() {
      super();
      (this as unknown as { firstUse: boolean }).firstUse = false;
    }

    get pooledBytes(): number {
      return this.pool.bytes;
    }

    allocate(Type: NativeArrayType, length: number): NativeValues {
      return this.pool.take(Type, length);
    }

    operandKey(values: NativeValues): number {
      const key = copies == null ? 0 : this.pool.valuesKey(values);
      if (key !== 0) this.keysInUse.add(key);
      return key;
    }

    /** Drops what the addon keeps under `key` once its values are gone. */
    private releaseCopies(key: number): void {
      if (this.keysInUse.delete(key)) copies!.release(key);
    }

    override write(values: backend_util.BackendValues, shape: number[], dtype: DataType): object {
      this.releaseCopies(this.pool.register(values));
      return super.write(values, shape, dtype);
    }

    override move(
      dataId: object,
      values: backend_util.BackendValues,
      shape: number[],
      dtype: DataType,
      refCount: number,
    ): void {
      this.releaseCopies(this.pool.register(values));
      super.move(dataId, values, shape, dtype, refCount);
    }

    override readSync(dataId: object) {
      const values = super.readSync(dataId);
      if (!this.pool.owns(values)) return values;
      if ((values as NativeValues).length < OWN_ARRAY_READ_VALUES) return (values as NativeValues).slice();
      this.releaseCopies(this.pool.register(values)); // registered twice: the pool forgets it
      return values;
    }

    override disposeData(dataId: object, force = false): boolean {
      const values = this.data.get(dataId)?.values;
      const released = super.disposeData(dataId, force);
      if (values != null && !this.data.has(dataId)) this.releaseCopies(this.pool.give(values));
      return released;
    }

    override dispose(): void {
      super.dispose();
      this.pool.clear();
      if (this.keysInUse.size > 0) copies!.releaseAll();
      this.keysInUse.clear();
    }
  }
  return new Native();
}
