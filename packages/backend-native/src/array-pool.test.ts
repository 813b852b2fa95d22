import { describe, expect, it } from 'vitest';
import { ArrayPool } from './array-pool';

describe('ArrayPool', () => {
  it('reuses the array of a disposed tensor for the next request of its type and length only', () => {
    const pool = new ArrayPool();
    const a = pool.take(Float32Array, 8);
    expect(a).toBeInstanceOf(Float32Array);
    expect(Array.from(a)).toEqual(new Array(8).fill(0)); // new arrays are zero-filled
    pool.register(a);
    expect(pool.owns(a)).toBe(true);
    a.fill(3);
    pool.give(a);
    expect(pool.bytes).toBe(32);
    expect(pool.take(Float32Array, 9)).not.toBe(a);
    expect(pool.take(Int32Array, 8)).not.toBe(a);
    const again = pool.take(Float32Array, 8);
    expect(again).toBe(a);
    expect(again[0]).toBe(3); // the old values stay: kernels write every value
    expect(pool.bytes).toBe(0);
  });

  it('never reuses memory that tfjs registered a second time (a view, or the array under another tensor)', () => {
    const pool = new ArrayPool();
    const a = pool.take(Float32Array, 8);
    pool.register(a);
    pool.register(a.subarray(2, 4)); // a cpu kernel's view of it
    expect(pool.owns(a)).toBe(false);
    pool.give(a);
    expect(pool.bytes).toBe(0);
    expect(pool.take(Float32Array, 8)).not.toBe(a);

    const b = pool.take(Float32Array, 8);
    pool.register(b);
    pool.register(b); // the same array as a second tensor's values
    pool.give(b);
    expect(pool.take(Float32Array, 8)).not.toBe(b);
  });

  it('gives each registration a new key, returned when the array comes back, and the lost key when it is shared', () => {
    const pool = new ArrayPool();
    const a = pool.take(Float32Array, 8);
    expect(pool.valuesKey(a)).toBe(0); // not a tensor's values yet
    expect(pool.register(a)).toBe(0);
    const first = pool.valuesKey(a);
    expect(first).toBeGreaterThan(0);
    expect(pool.give(a)).toBe(first);
    expect(pool.valuesKey(a)).toBe(0);
    expect(pool.take(Float32Array, 8)).toBe(a);
    pool.register(a); // the same memory as another tensor's values: another key
    const second = pool.valuesKey(a);
    expect(second).not.toBe(first);
    expect(new ArrayPool().valuesKey(a)).toBe(0); // another pool's array
    const other = new ArrayPool();
    const b = other.take(Float32Array, 8);
    other.register(b);
    expect([first, second]).not.toContain(other.valuesKey(b)); // keys are unique across pools
    expect(pool.register(a.subarray(1))).toBe(second); // shared by a view: the key is lost
    expect(pool.valuesKey(a)).toBe(0);
    expect(pool.give(a)).toBe(0);
  });

  it('takes back only arrays it made, once', () => {
    const pool = new ArrayPool();
    pool.give(new Float32Array(4));
    pool.give([1, 2, 3]);
    expect(pool.bytes).toBe(0);
    const a = pool.take(Float32Array, 4);
    pool.give(a); // given back before it was registered: not a disposed tensor's array
    expect(pool.bytes).toBe(0);
  });

  it('drops arrays unused for more than staleAfter requests when a request misses', () => {
    const pool = new ArrayPool(3);
    const kept = pool.take(Float32Array, 100);
    pool.register(kept);
    pool.give(kept);
    for (let i = 0; i < 3; i++) pool.register(pool.take(Uint8Array, 1)); // misses, kept not yet stale
    expect(pool.bytes).toBe(400);
    pool.take(Uint8Array, 1); // the 5th request since: stale, dropped
    expect(pool.bytes).toBe(0);
    expect(pool.take(Float32Array, 100)).not.toBe(kept);
  });

  it('keeps arrays in use within the window: a repeated step reuses every array after the first', () => {
    const pool = new ArrayPool();
    const sizes = [64, 128, 64, 256, 32, 128];
    let made = 0;
    const seen = new Set<unknown>();
    for (let step = 0; step < 5; step++) {
      const live = sizes.map((n) => {
        const a = pool.take(Float32Array, n);
        if (!seen.has(a)) made++;
        seen.add(a);
        pool.register(a);
        return a;
      });
      for (const a of live) pool.give(a);
    }
    expect(made).toBe(sizes.length);
    pool.clear();
    expect(pool.bytes).toBe(0);
  });
});
