import type { NativeValues } from './tensor-storage';

/** A typed array constructor the pool serves. */
export type NativeArrayType = new (length: number) => NativeValues;

/** The last key given to an array's values (for every pool: the addon's copies share one key space). */
let lastValuesKey = 0;

/**
 * The typed arrays of disposed tensors, kept for the next tensor of the same type and length.
 * A training step allocates the same sizes in the same order every time, so after the first step
 * almost every output reuses memory that is already mapped, instead of fresh pages that the
 * kernel must fault in and zero (measured: fresh arrays made a small-cpu step 1.5x slower).
 *
 * An array is reused only if it was made here, was registered as exactly one tensor's values
 * (`register`, from the backend's `write`) and that tensor is gone (`give`). Any other reference
 * to its memory that tfjs registers (a view that a cpu kernel made of it, the same array under
 * a second tensor) makes the pool forget it for good, so a reused array is never visible through
 * another tensor. When a request finds no array of its size, every array that has waited through
 * more than `staleAfter` requests unused is dropped (to the garbage collector): what the pool keeps
 * is what the recent requests used, bounded by their peak.
 *
 * Each registration gives the array a new key (`valuesKey`): a number that stands for exactly
 * those values until the tensor is disposed (`give` returns it then), since a registered array of
 * ours belongs to one tensor and tensors are immutable.
 */
export class ArrayPool {
  private readonly free = new Map<string, Kept[]>();
  /** Every array given back, oldest first (those taken again since are skipped); from `head` on. */
  private order: Kept[] = [];
  private head = 0;
  /** Requests so far. */
  private requests = 0;
  /** Arrays made here that may still be reused, by their memory. */
  private readonly made = new WeakMap<ArrayBufferLike, Made>();
  private keptBytes = 0;

  /**
   * @param staleAfter requests after which an unused kept array may be dropped: a few training
   *   steps' worth of allocations (a small-cpu step makes ~570).
   */
  constructor(private readonly staleAfter = 4096) {}

  /** Bytes kept for reuse now. */
  get bytes(): number {
    return this.keptBytes;
  }

  /**
   * An array of `length` values of `Type` (owned by the caller): a kept one, whose values are left
   * from its last use, or a new zero-filled one.
   */
  take(Type: NativeArrayType, length: number): NativeValues {
    this.requests++;
    const kept = this.free.get(`${Type.name}:${length}`)?.pop();
    if (kept != null) {
      kept.waiting = false;
      const reused = kept.array;
      this.keptBytes -= reused.byteLength;
      this.made.set(reused.buffer, { array: reused, registered: false, key: 0 });
      return reused;
    }
    for (; this.head < this.order.length; this.head++) {
      const oldest = this.order[this.head]!;
      if (!oldest.waiting) continue;
      if (this.requests - oldest.keptAt <= this.staleAfter) break;
      const list = this.free.get(sizeKey(oldest.array))!;
      list.splice(list.indexOf(oldest), 1);
      this.keptBytes -= oldest.array.byteLength;
      this.made.delete(oldest.array.buffer);
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    const made = new Type(length);
    this.made.set(made.buffer, { array: made, registered: false, key: 0 });
    return made;
  }

  /**
   * Notes that `values` became a tensor's values; memory of ours registered any other way is never
   * reused. Returns the key that memory had if it loses it that way (0 otherwise).
   */
  register(values: unknown): number {
    if (!ArrayBuffer.isView(values)) return 0;
    const entry = this.made.get(values.buffer);
    if (entry == null) return 0;
    if (!entry.registered && values === entry.array) {
      entry.registered = true;
      entry.key = ++lastValuesKey;
      return 0;
    }
    this.made.delete(values.buffer);
    return entry.key;
  }

  /**
   * The key of `values` while they are one tensor's array of ours (see the class comment), else 0.
   */
  valuesKey(values: unknown): number {
    return this.owns(values) ? this.made.get((values as NativeValues).buffer)!.key : 0;
  }

  /**
   * Takes back the values of a disposed tensor, if they are an array of ours that nothing else
   * references; returns the key they had (0 if not taken).
   */
  give(values: unknown): number {
    if (!this.owns(values)) return 0;
    const array = values as NativeValues;
    const entry = this.made.get(array.buffer)!;
    const valuesKey = entry.key;
    entry.registered = false;
    entry.key = 0;
    const key = sizeKey(array);
    const list = this.free.get(key) ?? [];
    this.free.set(key, list);
    const kept = { array, keptAt: this.requests, waiting: true };
    list.push(kept);
    this.order.push(kept);
    this.keptBytes += array.byteLength;
    return valuesKey;
  }

  /** Whether `values` is one tensor's array that the pool may reuse once that tensor is disposed. */
  owns(values: unknown): boolean {
    if (!ArrayBuffer.isView(values)) return false;
    const entry = this.made.get(values.buffer);
    return entry?.registered === true && entry.array === values;
  }

  /** Drops every kept array. */
  clear(): void {
    this.free.clear();
    this.order = [];
    this.head = 0;
    this.keptBytes = 0;
  }
}

/** An array given back: when (in requests), and whether it is still waiting to be taken. */
interface Kept {
  array: NativeValues;
  keptAt: number;
  waiting: boolean;
}

/** An array the pool made: whether it is a tensor's values now, and their key (0 when not). */
interface Made {
  array: NativeValues;
  registered: boolean;
  key: number;
}

function sizeKey(a: NativeValues): string {
  return `${a.constructor.name}:${a.length}`;
}
