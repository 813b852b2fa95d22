import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeAvailable } from './native-available.test-helper';
import { NATIVE_BACKEND } from './register-native-backend';

// Seeded values in [lo, hi) (mulberry32), as float32.
function values(n: number, seed: number, lo = -4, hi = 4): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  });
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Runs `op` on native; returns the values and checks that no tensor leaks. */
function onNative(
  inputs: Array<{ v: Float32Array; shape: number[] }>,
  op: (...xs: tf.Tensor[]) => tf.Tensor,
) {
  const before = tf.memory().numTensors;
  const xs = inputs.map((i) => tf.tensor(i.v, i.shape));
  const out = op(...xs);
  const res = { values: Float32Array.from(out.dataSync()), shape: out.shape };
  tf.dispose([...xs, out]);
  expect(tf.memory().numTensors).toBe(before);
  return res;
}

/** Largest |got - want| / (absTol + relTol |want|); NaN and infinities must match exactly. */
function worstError(got: Float32Array, want: ArrayLike<number>, relTol: number, absTol: number): number {
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w) || !Number.isFinite(w)) {
      if (!Object.is(g, Math.fround(w)) && !(Number.isNaN(g) && Number.isNaN(w)))
        return Number.POSITIVE_INFINITY;
      continue;
    }
    worst = Math.max(worst, Math.abs(g - w) / (absTol + relTol * Math.abs(w)));
  }
  return worst;
}

describe.runIf(nativeAvailable)('native elementwise, softmax and reduction kernels', () => {
  beforeAll(async () => {
    await tf.setBackend(NATIVE_BACKEND);
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  const u = 2 ** -24; // float32 unit roundoff
  const unaryCases: Array<
    [string, (x: tf.Tensor) => tf.Tensor, (x: number) => number, number, number, number]
  > = [
    // name, op, float64 reference, input range, relative and absolute tolerance
    ['neg', tf.neg, (x) => -x, 4, 0, 1e-30],
    ['abs', tf.abs, Math.abs, 4, 0, 1e-30],
    ['square', tf.square, (x) => x * x, 4, u, 0],
    ['sqrt', tf.sqrt, Math.sqrt, 4, u, 0],
    ['rsqrt', tf.rsqrt, (x) => 1 / Math.sqrt(x), 4, 2 * u, 0],
    ['reciprocal', tf.reciprocal, (x) => 1 / x, 4, u, 0],
    ['relu', tf.relu, (x) => Math.max(x, 0), 4, 0, 1e-30],
    ['exp', tf.exp, Math.exp, 80, 4 * u, 0],
    ['log', tf.log, Math.log, 4, 2 * u, 1e-7],
    ['sigmoid', tf.sigmoid, (x) => 1 / (1 + Math.exp(-x)), 30, 8 * u, 1e-9],
  ];
  it.each(unaryCases)(
    '%s matches float64 within its tolerance (odd sizes, threaded sizes)',
    (name, op, ref, range, rel, abs) => {
      for (const n of [1, 7, 100_003]) {
        const lo = name === 'sqrt' || name === 'rsqrt' || name === 'log' ? 1e-3 : -range;
        const v = values(n, n + name.length, lo, range);
        const { values: got } = onNative([{ v, shape: [n] }], op);
        const want = Array.from(v, ref);
        expect(worstError(got, want, rel, abs)).toBeLessThanOrEqual(1);
      }
    },
  );

  it('exp and sigmoid handle infinities, NaN, overflow and underflow like Math', () => {
    const v = Float32Array.from([
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      Number.NaN,
      89,
      88.5,
      -88,
      -100,
      -104,
      -200,
      0,
    ]);
    // References rounded to float32 (exp(89) overflows to inf); subnormal results within 1e-38.
    const e = onNative([{ v, shape: [v.length] }], tf.exp).values;
    expect(
      worstError(
        e,
        Array.from(v, (x) => Math.fround(Math.exp(x))),
        4 * u,
        1e-38,
      ),
    ).toBeLessThanOrEqual(1);
    const s = onNative([{ v, shape: [v.length] }], tf.sigmoid).values;
    const sigmoid = (x: number) => Math.fround(1 / (1 + Math.exp(-x)));
    expect(worstError(s, Array.from(v, sigmoid), 8 * u, 1e-38)).toBeLessThanOrEqual(1);
  });

  // name, op, float64 reference, relative tolerance (one rounding; two for the squared difference)
  type BinaryCase = [
    string,
    (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
    (a: number, b: number) => number,
    number,
  ];
  const binaryCases: BinaryCase[] = [
    ['add', tf.add, (a, b) => a + b, u],
    ['sub', tf.sub, (a, b) => a - b, u],
    ['mul', tf.mul, (a, b) => a * b, u],
    ['div', tf.div, (a, b) => a / b, u],
    ['maximum', tf.maximum, Math.max, 0],
    ['minimum', tf.minimum, Math.min, 0],
    ['squaredDifference', tf.squaredDifference, (a, b) => (a - b) * (a - b), 3 * u],
  ];
  const shapePairs: Array<[number[], number[]]> = [
    [[5], [5]],
    [[], []], // rank 0: an empty layout (once silently left the output at zero)
    [[], [7]],
    [[3, 4], []],
    [[2, 3, 4], [4]],
    [
      [2, 3, 4],
      [3, 1],
    ],
    [
      [2, 1, 4],
      [1, 3, 1],
    ],
    [
      [4, 1],
      [1, 5],
    ],
    [
      [300, 129],
      [300, 1],
    ],
    [
      [2, 300, 130],
      [2, 1, 130],
    ],
    [
      [1, 1, 1],
      [2, 3, 4],
    ],
  ];
  it.each(binaryCases)('%s broadcasts every shape pair (float64 reference)', (_, op, ref, rel) => {
    for (const [i, [sa, sb]] of shapePairs.entries()) {
      const a = values(size(sa), 10 + i);
      const b = values(size(sb), 20 + i);
      const { values: got, shape } = onNative(
        [
          { v: a, shape: sa },
          { v: b, shape: sb },
        ],
        op,
      );
      const rank = shape.length;
      const strides = (s: number[]) => {
        const out = new Array<number>(rank).fill(0);
        let st = 1;
        for (let d = s.length - 1; d >= 0; d--) {
          out[rank - s.length + d] = s[d] === 1 ? 0 : st;
          st *= s[d]!;
        }
        return out;
      };
      const [ta, tb] = [strides(sa), strides(sb)];
      const want = new Float64Array(got.length);
      for (let o = 0; o < got.length; o++) {
        let rest = o;
        let ia = 0;
        let ib = 0;
        for (let d = rank - 1; d >= 0; d--) {
          const c = rest % shape[d]!;
          rest = Math.floor(rest / shape[d]!);
          ia += c * ta[d]!;
          ib += c * tb[d]!;
        }
        want[o] = ref(a[ia]!, b[ib]!);
      }
      expect(worstError(got, want, rel, 1e-30)).toBeLessThanOrEqual(1);
    }
  });

  it('softmax over the last axis matches float64 (odd widths, -inf entries, NaN rows)', () => {
    for (const [rows, n] of [
      [1, 1],
      [3, 7],
      [5, 17],
      [64, 256],
      [2, 1000],
    ] as const) {
      const v = values(rows * n, rows + n, -20, 20);
      if (n > 2) v[1] = Number.NEGATIVE_INFINITY;
      const { values: got } = onNative([{ v, shape: [rows, n] }], (x) => tf.softmax(x));
      // float32 softmax rounds x - max (error |x - max| u), then exp, sum and divide: the
      // error of p_j is bounded by p_j (|x_j - max| + 8 + n) u, plus sum_k p_k |x_k - max| u.
      for (let r = 0; r < rows; r++) {
        const row = Array.from(v.subarray(r * n, (r + 1) * n));
        const m = Math.max(...row);
        const e = row.map((x) => Math.exp(x - m));
        const s = e.reduce((p, q) => p + q, 0);
        const gap = (x: number) => (Number.isFinite(x) ? Math.abs(x - m) : 0); // exp(-inf) = 0 exactly
        const spread = row.reduce((acc, x, k) => acc + (e[k]! / s) * gap(x), 0);
        for (let j = 0; j < n; j++) {
          const p = e[j]! / s;
          const bound = (p * (gap(row[j]!) + 8 + n) + p * spread) * u + 1e-38;
          expect(Math.abs(got[r * n + j]! - p)).toBeLessThanOrEqual(bound);
        }
      }
    }
    const nan = onNative([{ v: Float32Array.from([1, Number.NaN, 2, 3, 4, 5]), shape: [2, 3] }], (x) =>
      tf.softmax(x),
    );
    expect(Array.from(nan.values.slice(0, 3)).every(Number.isNaN)).toBe(true);
    expect(Array.from(nan.values.slice(3)).some(Number.isNaN)).toBe(false);
  });

  it('sum, mean, max and min over rows, columns and middle axes match float64', () => {
    const shape = [3, 50, 41];
    const v = values(size(shape), 77);
    for (const axis of [0, 1, 2, -1, [0, 1], [1, 2], [0, 1, 2]] as Array<number | number[]>) {
      for (const [name, op] of [
        ['sum', tf.sum],
        ['mean', tf.mean],
        ['max', tf.max],
        ['min', tf.min],
      ] as const) {
        for (const keepDims of [false, true]) {
          const { values: got, shape: outShape } = onNative([{ v, shape }], (x) => op(x, axis, keepDims));
          const cpuShape = tf.tidy(() => op(tf.zeros(shape), axis, keepDims).shape);
          expect(outShape).toEqual(cpuShape);
          const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + 3 : a));
          const want: number[] = [];
          const bound: number[] = [];
          const [d0, d1, d2] = shape as [number, number, number];
          const ranges = [0, 1, 2].map((d) =>
            axes.includes(d) ? [0] : Array.from({ length: shape[d]! }, (_, i) => i),
          );
          for (const i0 of ranges[0]!) {
            for (const i1 of ranges[1]!) {
              for (const i2 of ranges[2]!) {
                const picked: number[] = [];
                for (let j0 = 0; j0 < d0; j0++) {
                  for (let j1 = 0; j1 < d1; j1++) {
                    for (let j2 = 0; j2 < d2; j2++) {
                      if (
                        (axes.includes(0) || j0 === i0) &&
                        (axes.includes(1) || j1 === i1) &&
                        (axes.includes(2) || j2 === i2)
                      ) {
                        picked.push(v[(j0 * d1 + j1) * d2 + j2]!);
                      }
                    }
                  }
                }
                const sum = picked.reduce((p, q) => p + q, 0);
                const absSum = picked.reduce((p, q) => p + Math.abs(q), 0);
                want.push(
                  name === 'sum'
                    ? sum
                    : name === 'mean'
                      ? sum / picked.length
                      : name === 'max'
                        ? Math.max(...picked)
                        : Math.min(...picked),
                );
                const scale = name === 'mean' ? 1 / picked.length : 1;
                bound.push(
                  name === 'sum' || name === 'mean'
                    ? (picked.length + 2) * u * absSum * scale + 1e-30
                    : 1e-30,
                );
              }
            }
          }
          for (let i = 0; i < want.length; i++)
            expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(bound[i]!);
        }
      }
    }
  });

  it('max and min propagate NaN', () => {
    const v = Float32Array.from([1, Number.NaN, 3, 4, 5, 6]);
    expect(Number.isNaN(onNative([{ v, shape: [6] }], (x) => tf.max(x)).values[0]!)).toBe(true);
    expect(Array.from(onNative([{ v, shape: [2, 3] }], (x) => tf.min(x, 1)).values, Number.isNaN)).toEqual([
      true,
      false,
    ]);
    expect(Array.from(onNative([{ v, shape: [3, 2] }], (x) => tf.max(x, 0)).values, Number.isNaN)).toEqual([
      false,
      true,
    ]);
  });

  it('where (Select) picks t or e exactly, infinities and NaN included (odd sizes, threaded sizes)', () => {
    // the addon's kernel, not the cpu backend's
    expect(tf.getKernel('Select', NATIVE_BACKEND)!.kernelFunc).not.toBe(
      tf.getKernel('Select', 'cpu')!.kernelFunc,
    );
    for (const n of [1, 7, 100_003]) {
      const c = values(n, n + 1);
      const t = values(n, n + 2);
      const e = values(n, n + 3);
      // the branch not taken may hold -inf or NaN (as log mu does): it must not leak through
      for (let i = 0; i < n; i += 3) t[i] = Number.NEGATIVE_INFINITY;
      for (let i = 1; i < n; i += 5) e[i] = Number.NaN;
      const before = tf.memory().numTensors;
      const condition = tf.tensor1d(
        Array.from(c, (x) => x > 0),
        'bool',
      );
      const [tt, et] = [tf.tensor1d(t), tf.tensor1d(e)];
      const out = tf.where(condition, tt, et);
      const got = out.dataSync();
      tf.dispose([condition, tt, et, out]);
      expect(tf.memory().numTensors).toBe(before);
      for (let i = 0; i < n; i++) expect(Object.is(got[i], c[i]! > 0 ? t[i] : e[i])).toBe(true);
    }
  });

  it('where with broadcast operands, and with int32 branches (the cpu kernel), gives the cpu results', async () => {
    const run = () =>
      tf.tidy(() => {
        const rows = tf.tensor1d([true, false, true], 'bool');
        const x = tf.tensor2d(Array.from(values(12, 41)), [3, 4]);
        const ints = tf.tensor1d([1, 2, 3], 'int32');
        return [
          tf.where(rows.reshape([3, 1]), x, tf.neg(x)),
          tf.where(rows, ints, tf.neg(ints)),
          tf.where(tf.greater(x, 0), x, tf.zerosLike(x)),
        ].map((t) => Array.from(t.dataSync()));
      });
    const native = run();
    await tf.setBackend('cpu');
    const cpu = run();
    await tf.setBackend(NATIVE_BACKEND);
    expect(native).toEqual(cpu);
  });

  it('leaves int32 inputs and unsupported axes to the cpu backend kernels, with the same results as cpu', async () => {
    const run = () =>
      tf.tidy(() => {
        const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
        const x = tf.tensor3d(Array.from(values(24, 5)), [2, 3, 4]);
        return [
          tf.add(a, a),
          tf.mul(a, tf.scalar(3, 'int32')),
          tf.sum(a, 1),
          tf.sum(x, [0, 2]),
          tf.max(a),
        ].map((t) => Array.from(t.dataSync()));
      });
    const native = run();
    await tf.setBackend('cpu');
    const cpu = run();
    await tf.setBackend(NATIVE_BACKEND);
    for (let i = 0; i < cpu.length; i++) {
      for (let j = 0; j < cpu[i]!.length; j++) expect(native[i]![j]).toBeCloseTo(cpu[i]![j]!, 5);
    }
  });

  it('gradients through softmax, sigmoid, mean and broadcast arithmetic agree with cpu', async () => {
    const xv = values(4 * 9, 31);
    const wv = values(9, 32);
    const f = (x: tf.Tensor, w: tf.Tensor) =>
      tf.sum(tf.mul(tf.softmax(tf.mul(x, w)), tf.sigmoid(tf.sub(x, tf.mean(x, 1, true)))));
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const [gx, gw] = tf.grads(f)([tf.tensor2d(xv, [4, 9]), tf.tensor1d(wv)]);
        return [gx!.dataSync().slice(), gw!.dataSync().slice()];
      });
    };
    const cpu = await grads('cpu');
    const nat = await grads(NATIVE_BACKEND);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < cpu[i]!.length; j++) expect(Math.abs(nat[i]![j]! - cpu[i]![j]!)).toBeLessThan(1e-5);
    }
  });
});
