// Float64 references for the native kernel tests.
// Seeded uniform(-1, 1) values (mulberry32), so every run checks the same numbers.
export function randomValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** The largest error against a reference, relative to its largest value: max |x - ref| / (1 + max |ref|). */
export function relativeError(x: ArrayLike<number>, ref: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(x[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return err / (1 + scale);
}

export interface Case {
  aShape: number[];
  bShape: number[];
  transposeA: boolean;
  transposeB: boolean;
}

/** The four transpose combinations of one m x n x k product, each with the batch dimensions `batch` in front. */
export function everyTranspose(m: number, n: number, k: number, batch: number[] = []): Case[] {
  const cases: Case[] = [];
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      cases.push({
        aShape: [...batch, ...(transposeA ? [k, m] : [m, k])],
        bShape: [...batch, ...(transposeB ? [n, k] : [k, n])],
        transposeA,
        transposeB,
      });
    }
  }
  return cases;
}

const size = (shape: number[]) => shape.reduce((x, y) => x * y, 1);

/** Seeded operands of a case: `seed` for A, `seed + 1000` for B. */
export function caseOperands(c: Case, seed: number): [Float32Array, Float32Array] {
  return [randomValues(size(c.aShape), seed), randomValues(size(c.bShape), seed + 1000)];
}

/** The flops of a case's product call: 2 m n k for each of the broadcast batch's products. */
export function productFlops(c: Case): number {
  const ra = c.aShape.length;
  const rb = c.bShape.length;
  const m = c.transposeA ? c.aShape[ra - 1]! : c.aShape[ra - 2]!;
  const k = c.transposeA ? c.aShape[ra - 2]! : c.aShape[ra - 1]!;
  const n = c.transposeB ? c.bShape[rb - 2]! : c.bShape[rb - 1]!;
  const ba = c.aShape.slice(0, -2).reverse();
  const bb = c.bShape.slice(0, -2).reverse();
  let batch = 1;
  for (let i = 0; i < Math.max(ba.length, bb.length); i++) batch *= Math.max(ba[i] ?? 1, bb[i] ?? 1);
  return 2 * batch * m * n * k;
}

/** The worst error of `got` against a reference, as a fraction of the reference's float32 bound: <= 1 passes. */
export function worstBoundRatio(
  got: ArrayLike<number>,
  ref: { values: Float64Array; bound: Float64Array },
): number {
  let worst = 0;
  for (let j = 0; j < got.length; j++)
    worst = Math.max(worst, Math.abs(got[j]! - ref.values[j]!) / ref.bound[j]!);
  return worst;
}

/**
 * Float64 reference of matMul with numpy batch broadcasting; for each output `abs` = sum_p |a_ip b_pj|
 * and the bound (k + 2) 2^-24 abs on the error of any float32 summation order (Higham's gamma_k).
 */
export function reference(
  c: Case,
  a: Float32Array,
  b: Float32Array,
): { shape: number[]; values: Float64Array; bound: Float64Array; abs: Float64Array; k: number } {
  const ra = c.aShape.length;
  const rb = c.bShape.length;
  const m = c.transposeA ? c.aShape[ra - 1]! : c.aShape[ra - 2]!;
  const k = c.transposeA ? c.aShape[ra - 2]! : c.aShape[ra - 1]!;
  const n = c.transposeB ? c.bShape[rb - 2]! : c.bShape[rb - 1]!;
  const ba = c.aShape.slice(0, -2);
  const bb = c.bShape.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const pad = (s: number[]) => [...new Array(rank - s.length).fill(1), ...s];
  const pa = pad(ba);
  const pb = pad(bb);
  const outBatch = pa.map((d, i) => Math.max(d, pb[i]!));
  const batch = outBatch.reduce((x, y) => x * y, 1);
  const values = new Float64Array(batch * m * n);
  const bound = new Float64Array(batch * m * n);
  const absSums = new Float64Array(batch * m * n);
  const index = (o: number, shape: number[]) => {
    let idx = 0;
    let stride = 1;
    let rest = o;
    for (let i = rank - 1; i >= 0; i--) {
      const coord = rest % outBatch[i]!;
      rest = Math.floor(rest / outBatch[i]!);
      if (shape[i] !== 1) idx += coord * stride;
      stride *= shape[i]!;
    }
    return idx;
  };
  for (let o = 0; o < batch; o++) {
    const A = index(o, pa) * m * k;
    const B = index(o, pb) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        let abs = 0;
        for (let p = 0; p < k; p++) {
          const x = a[A + (c.transposeA ? p * m + i : i * k + p)]!;
          const y = b[B + (c.transposeB ? j * k + p : p * n + j)]!;
          sum += x * y;
          abs += Math.abs(x * y);
        }
        values[(o * m + i) * n + j] = sum;
        bound[(o * m + i) * n + j] = (k + 2) * 2 ** -24 * abs + 1e-30;
        absSums[(o * m + i) * n + j] = abs;
      }
    }
  }
  return { shape: [...outBatch, m, n], values, bound, abs: absSums, k };
}
