import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16 } from './float-formats';

const allBits = () => Uint16Array.from({ length: 65536 }, (_, i) => i);
const f32Bits = (x: Float32Array) => new Uint32Array(x.buffer, x.byteOffset, x.length);
const f32FromBits = (bits: number[]) => new Float32Array(Uint32Array.from(bits).buffer);

/** The exact value of an F16 bit pattern, from the definition (float64 holds it exactly). */
function f16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 31) return m === 0 ? sign * Infinity : Number.NaN;
  if (e === 0) return sign * m * 2 ** -24;
  return sign * 2 ** (e - 15) * (1 + m / 1024);
}

/** Nearest F16 (ties to even) by search over the sorted positive patterns; midpoints are exact in float64. */
const positiveF16 = Array.from({ length: 0x7c01 }, (_, h) => f16Value(h));
function nearestF16(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  let lo = 0;
  let hi = 0x7bff;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (positiveF16[mid]! <= a) lo = mid;
    else hi = mid - 1;
  }
  if (lo === 0x7bff) return sign | lo;
  const below = a - positiveF16[lo]!;
  const above = positiveF16[lo + 1]! - a;
  const h = below < above ? lo : above < below ? lo + 1 : lo % 2 === 0 ? lo : lo + 1;
  return sign | h;
}

/** Nearest BF16 (ties to even): the two candidates are the truncation and the next pattern up. */
function nearestBf16(x: number): number {
  const bits = f32Bits(Float32Array.of(x))[0]!;
  const lo = bits >>> 16;
  const vLo = Math.abs(f32FromBits([lo << 16])[0]!);
  const vHi = (lo & 0x7fff) === 0x7f7f ? 2 ** 128 : Math.abs(f32FromBits([(lo + 1) << 16])[0]!);
  const a = Math.abs(x);
  const below = a - vLo;
  const above = vHi - a;
  return below < above ? lo : above < below ? lo + 1 : lo % 2 === 0 ? lo : lo + 1;
}

describe('float16ToFloat32', () => {
  it('is exact for all 65536 bit patterns (subnormals, infinities, signed zeros, NaNs)', () => {
    const got = float16ToFloat32(allBits());
    for (let h = 0; h < 65536; h++) {
      const want = f16Value(h);
      if (Number.isNaN(want)) expect(Number.isNaN(got[h]!)).toBe(true);
      else if (!Object.is(got[h], want)) expect([h, got[h]]).toEqual([h, want]);
    }
  });

  it('known values', () => {
    const got = float16ToFloat32(
      Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x7c00, 0xfc00, 0x8000),
    );
    expect(Array.from(got)).toEqual([1, -2, 65504, 2 ** -24, 6.103515625e-5, Infinity, -Infinity, -0]);
    expect(Object.is(got[7], -0)).toBe(true);
    expect(f32Bits(float16ToFloat32(Uint16Array.of(0x7e00, 0x7c01, 0xfe00)))).toEqual(
      Uint32Array.of(0x7fc00000, 0x7f802000, 0xffc00000),
    );
  });

  it('writes into a given output and rejects a mismatched one', () => {
    const out = new Float32Array(2);
    expect(float16ToFloat32(Uint16Array.of(0x3c00, 0x4000), out)).toBe(out);
    expect(Array.from(out)).toEqual([1, 2]);
    expect(() => float16ToFloat32(new Uint16Array(3), out)).toThrow(RangeError);
  });
});

describe('float32ToFloat16', () => {
  it('round-trips all 65536 patterns float16 -> float32 -> float16 bit for bit (NaN payloads too)', () => {
    const bits = allBits();
    const back = float32ToFloat16(float16ToFloat32(bits));
    let mismatches = 0;
    for (let h = 0; h < 65536; h++) if (back[h] !== h) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('known values: max, overflow, subnormals, signed zero, ties to even', () => {
    const x = Float32Array.of(
      1,
      -2,
      65504,
      65519.996, // below the 65504/65536 midpoint: 65504
      65520, // the midpoint ties to even: inf
      1e9,
      2 ** -24,
      2 ** -25, // tie between 0 and 2^-24: even = 0
      2 ** -25 * 1.0000001, // just above: 2^-24
      3 * 2 ** -25, // tie between 1 and 2 (x 2^-24): 2
      6.1035156e-5, // rounds to 2^-14, the smallest normal
      2 ** -14 - 2 ** -25, // tie between 1023 * 2^-24 and 2^-14: even = 2^-14
      -0,
      1 + 2 ** -11, // tie between 1 and 1 + 2^-10: 1
      1 + 3 * 2 ** -11, // tie: 1 + 2 * 2^-10
      Infinity,
      -Infinity,
      1e-40, // float32 subnormal: 0
    );
    expect(Array.from(float32ToFloat16(x))).toEqual([
      0x3c00, 0xc000, 0x7bff, 0x7bff, 0x7c00, 0x7c00, 0x0001, 0x0000, 0x0001, 0x0002, 0x0400, 0x0400, 0x8000,
      0x3c00, 0x3c02, 0x7c00, 0xfc00, 0x0000,
    ]);
  });

  it('keeps NaN a NaN, even with a payload only in the low bits', () => {
    const h = float32ToFloat16(f32FromBits([0x7fc00000, 0x7f800001, 0xff800001]));
    for (const v of h) {
      expect(v & 0x7c00).toBe(0x7c00);
      expect(v & 0x3ff).not.toBe(0);
    }
  });

  it('matches the exactly rounded value on a sample of float32 patterns', () => {
    const gen = fc.oneof(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0x30000000, max: 0x48000000 }), // around the F16 range
      fc.integer({ min: 0x30000000, max: 0x48000000 }).map((b) => (b | 0x80000000) >>> 0),
      fc.integer({ min: 0x0001, max: 0x7bfe }).map((h) => {
        // exact midpoints between adjacent F16 values
        const mid = (f16Value(h) + f16Value(h + 1)) / 2;
        return f32Bits(Float32Array.of(mid))[0]!;
      }),
    );
    fc.assert(
      fc.property(fc.array(gen, { minLength: 1, maxLength: 256 }), (bits) => {
        const x = f32FromBits(bits);
        const got = float32ToFloat16(x);
        for (let i = 0; i < x.length; i++) {
          const want = nearestF16(x[i]!);
          if (Number.isNaN(want)) {
            if ((got[i]! & 0x7c00) !== 0x7c00 || (got[i]! & 0x3ff) === 0) return false;
          } else if (got[i] !== want) return false;
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });
});

describe('bfloat16', () => {
  it('widens every pattern to its top-half float32, exactly', () => {
    const u = f32Bits(bfloat16ToFloat32(allBits()));
    for (let h = 0; h < 65536; h++) if (u[h] !== (h << 16) >>> 0) expect([h, u[h]]).toEqual([h, h << 16]);
  });

  it('round-trips all 65536 patterns bfloat16 -> float32 -> bfloat16 (NaN payloads too)', () => {
    const back = float32ToBfloat16(bfloat16ToFloat32(allBits()));
    let mismatches = 0;
    for (let h = 0; h < 65536; h++) if (back[h] !== h) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('rounds to nearest, ties to even; overflow to inf; NaN stays NaN', () => {
    const x = Float32Array.of(
      1 + 2 ** -8, // tie between 1 (0x3f80, even) and 1 + 2^-7: 1
      1 + 3 * 2 ** -8, // tie between 0x3f81 and 0x3f82: 0x3f82
      1 + 2 ** -8 + 2 ** -20, // above the tie: 0x3f81
      -(1 + 2 ** -8),
      3.4028235e38, // float32 max: rounds up to inf
      Infinity,
      -0,
    );
    expect(Array.from(float32ToBfloat16(x))).toEqual([
      0x3f80, 0x3f82, 0x3f81, 0xbf80, 0x7f80, 0x7f80, 0x8000,
    ]);
    const nan = float32ToBfloat16(f32FromBits([0x7f800001, 0xffc00000, 0x7fffffff]));
    for (const v of nan) {
      expect(v & 0x7f80).toBe(0x7f80);
      expect(v & 0x7f).not.toBe(0);
    }
  });

  it('matches the exactly rounded value on a sample of float32 patterns', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 256 }),
        (bits) => {
          const x = f32FromBits(bits);
          const got = float32ToBfloat16(x);
          for (let i = 0; i < x.length; i++) {
            if (Number.isNaN(x[i]!)) {
              if ((got[i]! & 0x7f80) !== 0x7f80 || (got[i]! & 0x7f) === 0) return false;
            } else if (got[i] !== nearestBf16(x[i]!)) return false;
          }
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });
});
