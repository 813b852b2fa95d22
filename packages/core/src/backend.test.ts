import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend';

// selectBackend switches the global backend; put the test backend back after each test.
let testBackend = '';
beforeAll(() => {
  testBackend = tf.getBackend();
});
afterEach(async () => {
  await tf.setBackend(testBackend);
});

describe('selectBackend', () => {
  it('initialises wasm in Node without network and computes with it', async () => {
    const selection = await selectBackend(['wasm']);
    expect(selection).toEqual({ backend: 'wasm', skipped: [] });
    const sum = tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3.5])).dataSync()[0]);
    expect(sum).toBe(6.5);
  });

  it('initialises cpu', async () => {
    expect((await selectBackend(['cpu'])).backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('takes the first that works, in order, and says why the others were skipped', async () => {
    const selection = await selectBackend(['nonesuch', 'webgpu', 'cpu', 'wasm']);
    expect(selection.backend).toBe('cpu');
    expect(selection.skipped.map((s) => s.name)).toEqual(['nonesuch', 'webgpu']);
    expect(selection.skipped[0]!.reason).toMatch(/no backend named "nonesuch"/);
    expect(selection.skipped[1]!.reason).toMatch(/navigator.gpu/);
    expect((await selectBackend(['wasm', 'cpu'])).backend).toBe('wasm');
  });

  it('throws listing every backend and its reason when none works', async () => {
    await expect(selectBackend(['nonesuch', 'webgpu'])).rejects.toThrow(
      /no tfjs backend could be initialised \(nonesuch: no backend named "nonesuch".*; webgpu: navigator.gpu/,
    );
    await expect(selectBackend([])).rejects.toThrow(/at least one backend/);
  });
});
