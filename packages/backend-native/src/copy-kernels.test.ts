import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAvailable } from './native-available.test-helper';
import { NATIVE_BACKEND } from './register-native-backend';

// Deterministic pseudo-random integers (LCG), so every run checks the same cases.
function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

type Values = { values: number[] | Float32Array | Int32Array | Uint8Array; shape: number[] };

/**
 * Runs `op` on the cpu backend and on native with the same inputs and returns both results
 * (values and shapes), disposing everything. Copies are exact: the results must be identical.
 */
async function onBoth(
  inputs: Array<{ values: Float32Array | Int32Array | Uint8Array; shape: number[]; dtype: tf.DataType }>,
  op: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<Array<{ cpu: Values[]; native: Values[] }>> {
  const run = async (backend: string): Promise<Values[]> => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape, i.dtype));
    const out = op(...xs);
    const outs = Array.isArray(out) ? out : [out];
    const res = outs.map((t) => ({ values: Array.from(t.dataSync()), shape: t.shape }));
    tf.dispose([...xs, ...outs]);
    expect(tf.memory().numTensors).toBe(before);
    return res;
  };
  const cpu = await run('cpu');
  const native = await run(NATIVE_BACKEND);
  return [{ cpu, native }];
}

function randomInput(shape: number[], dtype: tf.DataType, seed: number) {
  const n = shape.reduce((a, b) => a * b, 1);
  const next = lcg(seed);
  const values =
    dtype === 'float32'
      ? Float32Array.from({ length: n }, () => next(2001) / 1000 - 1)
      : dtype === 'int32'
        ? Int32Array.from({ length: n }, () => next(100000) - 50000)
        : Uint8Array.from({ length: n }, () => next(2));
  return { values, shape, dtype };
}

async function expectSame(
  inputs: ReturnType<typeof randomInput>[],
  op: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<void> {
  for (const { cpu, native } of await onBoth(inputs, op)) {
    expect(native.length).toBe(cpu.length);
    for (let i = 0; i < cpu.length; i++) {
      expect(native[i]!.shape).toEqual(cpu[i]!.shape);
      expect(native[i]!.values).toEqual(cpu[i]!.values);
    }
  }
}

describe.runIf(nativeAvailable)(
  'native copy kernels (Transpose, Slice, Unpack, SplitV, StridedSlice, Concat, Pack, Identity, Cast)',
  () => {
    afterAll(async () => {
      await tf.setBackend('wasm');
    });

    it('transposes every rank 1-6 with random permutations, odd sizes and all dtypes like cpu', async () => {
      const next = lcg(42);
      for (let c = 0; c < 40; c++) {
        const rank = 1 + (c % 6);
        const shape = Array.from({ length: rank }, () => 1 + next(rank > 3 ? 5 : 9));
        const perm = Array.from({ length: rank }, (_, i) => i);
        for (let i = rank - 1; i > 0; i--) {
          const j = next(i + 1);
          [perm[i], perm[j]] = [perm[j]!, perm[i]!];
        }
        const dtype = (['float32', 'int32', 'bool'] as const)[c % 3]!;
        await expectSame([randomInput(shape, dtype, c)], (x) => tf.transpose(x!, perm));
      }
    });

    it('transposes large tensors (the tiled, multi-threaded paths) like cpu', async () => {
      await expectSame([randomInput([301, 257], 'float32', 1)], (x) => tf.transpose(x!));
      await expectSame([randomInput([3, 2, 67, 5, 64], 'float32', 2)], (x) =>
        tf.transpose(x!, [2, 0, 3, 1, 4]),
      );
      await expectSame([randomInput([4, 130, 3, 4, 33], 'int32', 3)], (x) =>
        tf.transpose(x!, [2, 0, 3, 1, 4]),
      );
      await expectSame([randomInput([2, 4, 129, 65], 'float32', 4)], (x) => tf.transpose(x!, [0, 2, 1, 3]));
    });

    it('slices (contiguous, strided, empty, large) like cpu', async () => {
      const next = lcg(7);
      for (let c = 0; c < 30; c++) {
        const rank = 1 + (c % 5);
        const shape = Array.from({ length: rank }, () => 1 + next(7));
        const begin = shape.map((s) => next(s));
        const size = shape.map((s, d) => next(s - begin[d]! + 1));
        const dtype = (['float32', 'int32', 'bool'] as const)[c % 3]!;
        await expectSame([randomInput(shape, dtype, 100 + c)], (x) => tf.slice(x!, begin, size));
      }
      await expectSame([randomInput([513, 300], 'float32', 5)], (x) => tf.slice(x!, [3, 7], [500, 290]));
      await expectSame([randomInput([200, 700], 'float32', 6)], (x) => tf.slice(x!, [10, 0], [150, -1]));
    });

    it('unpacks and splits along every axis like cpu', async () => {
      const x = randomInput([3, 4, 5, 6], 'float32', 9);
      for (const axis of [0, 1, 2, 3, -1]) await expectSame([x], (t) => tf.unstack(t!, axis));
      for (const axis of [0, 1, 3]) await expectSame([x], (t) => tf.split(t!, [1, x.shape[axis]! - 1], axis));
      await expectSame([randomInput([6, 1408 * 64], 'float32', 10)], (t) => tf.split(t!, 2, 1));
      await expectSame([randomInput([6, 4, 10], 'int32', 11)], (t) => tf.split(t!, [3, -1, 2], 2));
    });

    it('concatenates and stacks along every axis (empty parts, bool, int32) like cpu', async () => {
      const a = randomInput([3, 4, 5], 'float32', 20);
      const b = randomInput([3, 2, 5], 'float32', 21);
      const c = randomInput([3, 0, 5], 'float32', 22);
      await expectSame([a, b, c], (x, y, z) => tf.concat([x!, y!, z!], 1));
      await expectSame([a, a], (x, y) => [
        tf.concat([x!, y!], 0),
        tf.concat([x!, y!], 2),
        tf.concat([x!, y!], -1),
      ]);
      await expectSame(
        [randomInput([700, 300], 'float32', 23), randomInput([700, 100], 'float32', 24)],
        (x, y) => tf.concat([x!, y!], 1),
      );
      const i = randomInput([2, 3], 'int32', 25);
      const q = randomInput([2, 3], 'bool', 26);
      await expectSame([i, i, i], (x, y, z) => [
        tf.stack([x!, y!, z!], 0),
        tf.stack([x!, y!, z!], 1),
        tf.stack([x!, y!, z!], 2),
      ]);
      await expectSame([q, q], (x, y) => [tf.stack([x!, y!], 1), tf.concat([x!, y!], 0)]);
    });

    it('tiles along any axes (float32, int32, bool) like cpu', async () => {
      await expectSame([randomInput([2, 3], 'float32', 30)], (x) => [
        tf.tile(x!, [2, 3]),
        tf.tile(x!, [1, 1]),
        tf.tile(x!, [3, 1]),
      ]);
      await expectSame([randomInput([2, 1, 3], 'int32', 31)], (x) => tf.tile(x!, [1, 4, 2]));
      await expectSame([randomInput([5], 'bool', 32)], (x) => tf.tile(x!, [3]));
      await expectSame([randomInput([64, 300], 'float32', 33)], (x) => tf.tile(x!, [4, 2]));
    });

    it('gathers along every axis (embedding rows, short inner blocks, repeats, empty, bool, int32) like cpu', async () => {
      const table = randomInput([27, 256], 'float32', 40);
      const tokens = {
        values: Int32Array.from({ length: 4 * 256 }, (_, i) => (i * 7) % 27),
        shape: [4, 256],
        dtype: 'int32' as const,
      };
      await expectSame([table, tokens], (t, i) => tf.gather(t!, i!));
      const x = randomInput([3, 5, 6], 'float32', 41);
      const picks = { values: Int32Array.from([4, 0, 4, 2]), shape: [2, 2], dtype: 'int32' as const };
      for (const axis of [1, 2, -1]) await expectSame([x, picks], (t, i) => tf.gather(t!, i!, axis));
      const none = { values: new Int32Array(0), shape: [0], dtype: 'int32' as const };
      await expectSame([x, none], (t, i) => tf.gather(t!, i!, 1));
      const pickRows = { values: Int32Array.from([2, 1]), shape: [2], dtype: 'int32' as const };
      await expectSame([randomInput([3, 40], 'int32', 42), pickRows], (t, i) => tf.gather(t!, i!));
      await expectSame([randomInput([3, 7], 'bool', 43), pickRows], (t, i) => tf.gather(t!, i!));
      // batchDims goes to the cpu kernel
      const perRow = { values: Int32Array.from([1, 0, 3, 3, 2, 0]), shape: [3, 2], dtype: 'int32' as const };
      await expectSame([x, perRow], (t, i) => tf.gather(t!, i!, 1, 1));
    });

    it("refuses a gather index out of range with the cpu kernel's message", async () => {
      await tf.setBackend(NATIVE_BACKEND);
      const before = tf.memory().numTensors;
      const x = tf.zeros([4, 3]);
      for (const index of [4, -1]) {
        const i = tf.tensor1d([0, index], 'int32');
        expect(() => tf.gather(x, i)).toThrow(`GatherV2: the index value ${index} is not in [0, 3]`);
        i.dispose();
      }
      x.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('strided slices (steps, negative steps, masks, shrink and new axes) like cpu', async () => {
      const x = randomInput([5, 6, 7], 'float32', 12);
      await expectSame([x], (t) => tf.stridedSlice(t!, [0, 1, 0], [5, 6, 7], [2, 2, 3]));
      await expectSame([x], (t) => tf.stridedSlice(t!, [4, 5, 6], [-6, -7, -8], [-1, -2, -3]));
      await expectSame([x], (t) => tf.stridedSlice(t!, [1, 0, 2], [3, 0, 5], [1, 1, 1], 0b010, 0b010));
      await expectSame([x], (t) => tf.stridedSlice(t!, [2, 0, 0], [3, 6, 7], [1, 1, 1], 0, 0, 0, 0, 0b001));
      await expectSame([x], (t) => tf.stridedSlice(t!, [0, 0], [5, 6], [1, 1], 0, 0, 0, 0b001));
      await expectSame([x], (t) => tf.stridedSlice(t!, [0], [5], [1]));
    });

    it('clones and same-dtype casts share data safely; other casts convert like cpu', async () => {
      await expectSame([randomInput([7, 3], 'int32', 13)], (t) => tf.clone(t!));
      await expectSame([randomInput([5, 3], 'float32', 14)], (t) => [
        tf.cast(t!, 'float32'),
        tf.cast(t!, 'int32'),
      ]);
      await expectSame([randomInput([5, 3], 'bool', 14)], (t) => [
        tf.cast(t!, 'bool'),
        tf.cast(t!, 'float32'),
      ]);
      await tf.setBackend(NATIVE_BACKEND);
      const before = tf.memory().numTensors;
      const x = tf.tensor1d([1, 2, 3]);
      const y = tf.clone(x);
      x.dispose(); // the clone keeps the shared data alive
      expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
      const v = tf.variable(y);
      const next = tf.tensor1d([4, 5, 6]);
      v.assign(next);
      expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
      tf.dispose([y, v, next]);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('converts bool and int32 to float32, bool to int32, int32 and float32 to bool natively, as cpu does', async () => {
      // the addon's kernel, not the cpu backend's
      expect(tf.getKernel('Cast', NATIVE_BACKEND)!.kernelFunc).not.toBe(
        tf.getKernel('Cast', 'cpu')!.kernelFunc,
      );
      // odd and threaded sizes; int32 beyond 2^24 (rounded to nearest in float32); -0 and NaN to bool
      for (const n of [1, 7, 100_003]) {
        await expectSame([randomInput([n], 'bool', n)], (t) => [
          tf.cast(t!, 'float32'),
          tf.cast(t!, 'int32'),
        ]);
        const ints = randomInput([n], 'int32', n + 1);
        ints.values[0] = 2 ** 24 + 1;
        if (n > 2) [ints.values[1], ints.values[2]] = [-(2 ** 31), 0];
        await expectSame([ints], (t) => tf.cast(t!, 'bool'));
        // the cpu kernel relabels the int32 array as float32 (2^24 + 1 stays), native rounds it to float32
        await tf.setBackend(NATIVE_BACKEND);
        const asFloat = tf.tidy(() => tf.cast(tf.tensor1d(ints.values, 'int32'), 'float32').dataSync());
        expect(Array.from(asFloat)).toEqual(Array.from(ints.values, Math.fround));
        const floats = randomInput([n], 'float32', n + 2);
        floats.values[0] = Number.NaN;
        if (n > 2) [floats.values[1], floats.values[2]] = [-0, 1e-40];
        await expectSame([floats], (t) => tf.cast(t!, 'bool'));
      }
      // values of a cast feed the native kernels of their new dtype
      await expectSame([randomInput([4, 6], 'int32', 3)], (t) =>
        tf.tidy(() => tf.add(tf.cast(t!, 'float32'), 0.5)),
      );
    });

    it('gradients through transpose, slice, split and unstack agree with cpu', async () => {
      const x = randomInput([4, 6, 5], 'float32', 15);
      const w = randomInput([5, 4, 6], 'float32', 16);
      const f = (t: tf.Tensor, v: tf.Tensor) => {
        const [a, b] = tf.split(tf.mul(tf.transpose(t, [2, 0, 1]), v), [2, 3], 0);
        const rows = tf.unstack(tf.slice(t, [1, 0, 1], [2, 6, 3]), 1);
        return tf.add(tf.sum(tf.square(a!)), tf.add(tf.sum(b!), tf.sum(tf.mul(rows[2]!, rows[4]!))));
      };
      await expectSame([x, w], (t, v) => tf.grad((y: tf.Tensor) => f(y, v!))(t!));
    });
  },
);
