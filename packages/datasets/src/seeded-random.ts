/**
 * A tiny private seeded generator, so this package needs no tensors (and no `@md4/core`, whose root
 * entry loads tfjs-core). Public functions accept any `{ uniform(): number }`, so `@md4/core`'s Rng
 * works wherever a `UniformSource` is asked for.
 */
export interface UniformSource {
  /** A float64 uniform in [0, 1). */
  uniform(): number;
}

/** Checks that a seed is an integer that survives JSON (|seed| < 2^53). */
export function assertSeed(seed: number, where: string): void {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`${where}: seed must be a safe integer, got ${seed}`);
}

/** murmur3's 32-bit finaliser: a bijective mix of a uint32. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a seed (any safe integer) and stream words into one uint32. */
export function hashWords(seed: number, ...words: number[]): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let h = fmix32(lo ^ 0x9e3779b9);
  h = fmix32(h ^ Math.imul(hi, 0x27d4eb2f) ^ 0x165667b1);
  for (const w of words) h = fmix32((h + Math.imul(w >>> 0, 0xcc9e2d51)) ^ ((w / 4294967296) >>> 0));
  return h;
}

/**
 * sfc32 (Chris Doty-Humphrey's small fast counting generator, passes PractRand), seeded from a seed
 * and stream words through `hashWords`. Different (seed, words) give independent-looking streams.
 */
export class SeededStream implements UniformSource {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number, ...words: number[]) {
    this.a = hashWords(seed, ...words, 1);
    this.b = hashWords(seed, ...words, 2);
    this.c = hashWords(seed, ...words, 3);
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }
}

/** An integer uniform in [0, n) from a UniformSource. */
export function randomIndex(rng: UniformSource, n: number): number {
  const u = rng.uniform();
  if (!(u >= 0 && u < 1)) throw new RangeError(`rng.uniform() must return a number in [0, 1), got ${u}`);
  return Math.floor(u * n);
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates) determined by (seed, words). */
export function seededPermutation(n: number, seed: number, ...words: number[]): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const rng = new SeededStream(seed, ...words);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
