/**
 * Conversions between float32 and the two 16-bit float formats of ML checkpoints, on raw bits
 * (a `Uint16Array` holds one 16-bit pattern per element; typed arrays use the platform's byte order):
 *
 *   F16 (IEEE 754 binary16):  sign 1 | exponent 5 (bias 15) | mantissa 10
 *                             max finite 65504, smallest normal 2^-14, smallest subnormal 2^-24
 *   BF16 (bfloat16):          sign 1 | exponent 8 (bias 127) | mantissa 7
 *                             the top 16 bits of a float32: same range, 8 significant bits
 *
 * Widening (F16/BF16 -> F32) is exact for every bit pattern: subnormals, infinities, signed zeros,
 * and NaNs (payload kept). Narrowing (F32 -> F16/BF16) rounds to nearest, ties to even; F16
 * overflows to infinity (|x| >= 65520) and produces subnormals below 2^-14; NaN stays NaN (payload
 * truncated, quiet bit set when the truncated payload would be empty).
 *
 * The loops are table-free integer bit manipulation on a Uint32Array view of the float32 data.
 */

function outputFor<T extends Float32Array | Uint16Array>(
  out: T | undefined,
  length: number,
  make: (n: number) => T,
  what: string,
): T {
  if (out === undefined) return make(length);
  if (out.length !== length) {
    throw new RangeError(
      `${what}: out has ${out.length} elements but the input has ${length}; pass a matching out`,
    );
  }
  return out;
}

function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** Float32 bits (sign aside) of the F16 subnormal m * 2^-24, 0 < m < 1024: normalize the leading one to bit 10. */
function subnormalBits(m: number): number {
  const shift = Math.clz32(m) - 21;
  return ((113 - shift) << 23) | (((m << shift) & 0x3ff) << 13);
}

/** Widens F16 bit patterns to float32, exactly. Writes into `out` (same length) when given. */
export function float16ToFloat32(bits: Uint16Array, out?: Float32Array): Float32Array {
  const n = bits.length;
  const result = outputFor(out, n, (k) => new Float32Array(k), 'float16ToFloat32');
  const u = bitsOf(result);
  for (let i = 0; i < n; i++) {
    const h = bits[i]!;
    const em = h & 0x7fff;
    // Normal (exponent 1..30): rebias by 127 - 15 = 112. One unsigned compare picks the common case.
    let f = (em << 13) + 0x38000000;
    if ((em - 0x0400) >>> 0 >= 0x7800) {
      f = em >= 0x7c00 ? 0x7f800000 | ((em & 0x3ff) << 13) : em === 0 ? 0 : subnormalBits(em);
    }
    u[i] = ((h & 0x8000) << 16) | f;
  }
  return result;
}

/** Widens BF16 bit patterns to float32 (each is the top half of a float32), exactly. */
export function bfloat16ToFloat32(bits: Uint16Array, out?: Float32Array): Float32Array {
  const n = bits.length;
  const result = outputFor(out, n, (k) => new Float32Array(k), 'bfloat16ToFloat32');
  const u = bitsOf(result);
  for (let i = 0; i < n; i++) u[i] = bits[i]! << 16;
  return result;
}

/** 2^52: adding and subtracting it rounds a float64 in [0, 2^52) to an integer, ties to even. */
const ROUND_EVEN = 4503599627370496;

/**
 * Narrows float32 values to F16 bit patterns, rounding to nearest, ties to even. |x| >= 65520
 * becomes infinity; values below 2^-14 become subnormals (or a signed zero below 2^-25).
 */
export function float32ToFloat16(values: Float32Array, out?: Uint16Array): Uint16Array {
  const n = values.length;
  const result = outputFor(out, n, (k) => new Uint16Array(k), 'float32ToFloat16');
  const u = bitsOf(values);
  for (let i = 0; i < n; i++) {
    const x = u[i]!;
    const sign = (x >>> 16) & 0x8000;
    const a = x & 0x7fffffff;
    if (a >= 0x38800000) {
      if (a < 0x477ff000) {
        // Normal: rebias the exponent, then round off 13 mantissa bits (a carry bumps the exponent).
        result[i] = sign | ((a - 0x38000000 + 0xfff + ((a >>> 13) & 1)) >>> 13);
      } else if (a <= 0x7f800000) {
        result[i] = sign | 0x7c00; // overflow (>= 65520, the tie above 65504 goes to even = inf) or inf
      } else {
        const payload = (a >>> 13) & 0x3ff;
        result[i] = sign | 0x7c00 | (payload === 0 ? 0x200 : payload);
      }
    } else {
      // Subnormal range: |x| * 2^24 is exact in float64; round it to an integer, ties to even.
      // 1024 (just below 2^-14 rounding up) is exactly the bit pattern of the smallest normal.
      const m = Math.abs(values[i]!) * 16777216;
      result[i] = sign | (m + ROUND_EVEN - ROUND_EVEN);
    }
  }
  return result;
}

/** Narrows float32 values to BF16 bit patterns, rounding to nearest, ties to even; NaN stays NaN. */
export function float32ToBfloat16(values: Float32Array, out?: Uint16Array): Uint16Array {
  const n = values.length;
  const result = outputFor(out, n, (k) => new Uint16Array(k), 'float32ToBfloat16');
  const u = bitsOf(values);
  for (let i = 0; i < n; i++) {
    const x = u[i]!;
    if ((x & 0x7fffffff) > 0x7f800000) {
      // NaN: keep the top of the payload; set the quiet bit if the kept part would be empty (= inf).
      const h = x >>> 16;
      result[i] = (h & 0x7f) === 0 ? h | 0x40 : h;
    } else {
      // x + 0x8000 <= 0xff808000 < 2^32 here, so the sum stays an exact unsigned value.
      result[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
    }
  }
  return result;
}
