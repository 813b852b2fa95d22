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

  it('registers a backend through its loader only when it is tried, and says what is missing without one', async () => {
    const cpu = tf.findBackendFactory('cpu')!;
    let loads = 0;
    const load = {
      'loaded-cpu': async () => {
        loads++;
        tf.registerBackend('loaded-cpu', cpu);
      },
      'registers-nothing': async () => {},
    };
    expect((await selectBackend(['cpu', 'loaded-cpu'], load)).backend).toBe('cpu');
    expect(loads).toBe(0);
    const selection = await selectBackend(['registers-nothing', 'unloadable', 'loaded-cpu'], load);
    expect(selection.backend).toBe('loaded-cpu');
    expect(loads).toBe(1);
    expect(selection.skipped).toEqual([
      { name: 'registers-nothing', reason: 'its loader registered no backend named "registers-nothing"' },
      {
        name: 'unloadable',
        reason:
          'no backend named "unloadable" is registered: import the package that registers it first, or pass a loader for it',
      },
    ]);
    await expect(selectBackend(['webgpu'], { webgpu: async () => loads++ })).rejects.toThrow(/navigator.gpu/);
    expect(loads).toBe(1); // a backend this environment cannot run is not loaded
    tf.removeBackend('loaded-cpu');
  });

  it('throws listing every backend and its reason when none works', async () => {
    await expect(selectBackend(['nonesuch', 'webgpu'])).rejects.toThrow(
      /no tfjs backend could be initialised \(nonesuch: no backend named "nonesuch".*; webgpu: navigator.gpu/,
    );
    await expect(selectBackend([])).rejects.toThrow(/at least one backend/);
  });
});
