import type { NativeValues } from './tensor-storage';

/** A typed array constructor the pool serves. */
export type NativeArrayType = new (length: number) => NativeValues;

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
 */
export class ArrayPool {
  private readonly free = new Map<string, Kept[]>();
  /** Every array given back, oldest first (those taken again since are skipped); from `head` on. */
  private order: Kept[] = [];
  private head = 0;
  /** Requests so far. */
  private requests = 0;
  /** Arrays made here that may still be reused, by their memory. */
  private readonly made = new WeakMap<ArrayBufferLike, { array: NativeValues; registered: boolean }>();
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
      this.made.set(reused.buffer, { array: reused, registered: false });
      return reused;
    }
    for (; this.head < this.order.length; this.head++) {
      const oldest = this.order[this.head]!;
      if (!oldest.waiting) continue;
      if (this.requests - oldest.keptAt <= this.staleAfter) break;
      const list = this.free.get(keyOf(oldest.array))!;
      list.splice(list.indexOf(oldest), 1);
      this.keptBytes -= oldest.array.byteLength;
      this.made.delete(oldest.array.buffer);
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    const made = new Type(length);
    this.made.set(made.buffer, { array: made, registered: false });
    return made;
  }

  /** Notes that `values` became a tensor's values; memory of ours registered any other way is never reused. */
  register(values: unknown): void {
    if (!ArrayBuffer.isView(values)) return;
    const entry = this.made.get(values.buffer);
    if (entry == null) return;
    if (!entry.registered && values === entry.array) entry.registered = true;
    else this.made.delete(values.buffer);
  }

  /** Takes back the values of a disposed tensor, if they are an array of ours that nothing else references. */
  give(values: unknown): void {
    if (!this.owns(values)) return;
    const array = values as NativeValues;
    this.made.get(array.buffer)!.registered = false;
    const key = keyOf(array);
    const list = this.free.get(key) ?? [];
    this.free.set(key, list);
    const kept = { array, keptAt: this.requests, waiting: true };
    list.push(kept);
    this.order.push(kept);
    this.keptBytes += array.byteLength;
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

function keyOf(a: NativeValues): string {
  return `${a.constructor.name}:${a.length}`;
}
