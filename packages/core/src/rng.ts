/**
 * A seeded source of float64 uniforms. `fork()` returns an independent stream and advances this one,
 * so sub-computations can be given their own generator without disturbing reproducibility.
 */
export interface Rng {
  /** A float64 uniform in [0, 1) with 53 random bits. */
  uniform(): number;
  /** An independent generator derived from (and advancing) this one. */
  fork(): Rng;
}

/** An Rng whose state can be saved (e.g. in a checkpoint) and restored exactly. */
export interface SeededRng extends Rng {
  fork(): SeededRng;
  /** A uint32 in [0, 2^32). */
  nextUint32(): number;
  /** A standard normal draw (Box-Muller on two uniforms). */
  normal(): number;
  /** The generator's state: four uint32 words. */
  getState(): number[];
}

/** splitmix32: expands a seed into well-mixed uint32 words for xoshiro's state. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128** (Blackman & Vigna): fast, 2^128 - 1 period, passes BigCrush. */
class Xoshiro128 implements SeededRng {
  private readonly s: Uint32Array;

  constructor(state: ArrayLike<number>) {
    this.s = Uint32Array.from(state);
    if (this.s.length !== 4 || this.s.every((w) => w === 0)) {
      throw new RangeError('rng state must be four uint32 words, not all zero');
    }
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992; // 2^26, 2^53
  }

  normal(): number {
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  fork(): SeededRng {
    const mix = splitmix32(this.nextUint32() ^ Math.imul(this.nextUint32(), 0x27d4eb2f));
    return new Xoshiro128([mix(), mix(), mix(), mix()]);
  }

  getState(): number[] {
    return Array.from(this.s);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A seeded generator (xoshiro128** seeded by splitmix32). The same seed gives the same stream everywhere. */
export function createRng(seed: number): SeededRng {
  if (!Number.isFinite(seed)) throw new RangeError(`rng seed must be a finite number, got ${seed}`);
  const mix = splitmix32(Math.trunc(seed) >>> 0);
  // A second word from the high bits lets seeds beyond 2^32 differ.
  const high = Math.floor(Math.trunc(Math.abs(seed)) / 4294967296) >>> 0;
  return new Xoshiro128([mix(), mix() ^ high, mix(), mix()]);
}

/** Restores a generator from `getState()`; it continues the saved stream exactly. */
export function restoreRng(state: ArrayLike<number>): SeededRng {
  return new Xoshiro128(state);
}
