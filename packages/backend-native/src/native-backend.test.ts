import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeAvailable } from './native-available.test-helper';
import { type NativeBackend, OWN_ARRAY_READ_VALUES } from './native-backend';
import { NATIVE_BACKEND } from './register-native-backend';

describe.runIf(nativeAvailable)('the native backend object (cpu storage, pooled outputs)', () => {
  beforeAll(async () => {
    await tf.setBackend(NATIVE_BACKEND);
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });
  const backend = () => tf.backend() as NativeBackend;

  it("reuses a disposed output's memory, and what dataSync returned before stays as it was", () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([1, 2, 3, 4, 5]);
    const first = tf.mul(x, 2); // a native kernel's output: pooled memory
    const read = first.dataSync();
    first.dispose();
    const pooled = backend().pooledBytes;
    expect(pooled).toBeGreaterThanOrEqual(20);
    const second = tf.mul(x, 10); // same type and length: takes the array `first` had
    expect(backend().pooledBytes).toBe(pooled - 20);
    expect(Array.from(read)).toEqual([2, 4, 6, 8, 10]);
    expect(Array.from(second.dataSync())).toEqual([10, 20, 30, 40, 50]);
    tf.dispose([x, second]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('hands a large output its own array on a read, and never reuses that memory', () => {
    const before = tf.memory().numTensors;
    const x = tf.fill([OWN_ARRAY_READ_VALUES], 1);
    const first = tf.mul(x, 2); // pooled memory, at the size from which reads stop copying
    const read = first.dataSync();
    expect(first.dataSync() === read).toBe(true); // the tensor's own array, not a copy
    const pooled = backend().pooledBytes;
    first.dispose();
    expect(backend().pooledBytes).toBe(pooled); // not taken back
    const second = tf.mul(x, 3);
    expect([read[0], read[OWN_ARRAY_READ_VALUES - 1]]).toEqual([2, 2]);
    expect(second.dataSync()[0]).toBe(3);
    // one value fewer: copied as before
    const small = tf.tidy(() => tf.mul(tf.slice(x, 0, OWN_ARRAY_READ_VALUES - 1), 2));
    const [once, again] = [small.dataSync(), small.dataSync()];
    expect(once === again).toBe(false);
    tf.dispose([x, second, small]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('never reuses memory a cpu kernel shares with another tensor (complex parts)', () => {
    const real = tf.add(tf.tensor1d([1, 2, 3]), 0); // native output
    const imag = tf.add(tf.tensor1d([4, 5, 6]), 0);
    const z = tf.complex(real, imag); // the cpu kernel keeps real's and imag's arrays as its parts
    tf.dispose([real, imag]);
    const others = [tf.add(tf.tensor1d([7, 7, 7]), 0), tf.add(tf.tensor1d([8, 8, 8]), 0)];
    expect(Array.from(tf.real(z).dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(tf.imag(z).dataSync())).toEqual([4, 5, 6]);
    tf.dispose([z, ...others]);
  });

  it('keeps the same memory across repeated steps: training-like loops allocate once', () => {
    const x = tf.randomNormal([64, 32]);
    const w = tf.randomNormal([32, 32]);
    const step = () => tf.tidy(() => tf.sum(tf.relu(tf.matMul(tf.matMul(x, w), w))).dataSync()[0]);
    const first = step();
    const pooled = backend().pooledBytes;
    for (let i = 0; i < 5; i++) expect(step()).toBe(first);
    expect(backend().pooledBytes).toBe(pooled); // every array of a step came back and was reused
    tf.dispose([x, w]);
  });
});
