import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { assertTfjsSetUp } from './tfjs-setup';

describe('assertTfjsSetUp', () => {
  it('passes once a backend and the gradients are registered (the test setup imports @tensorflow/tfjs)', () => {
    expect(() => assertTfjsSetUp('trainer.step', { gradients: true })).not.toThrow();
  });

  it('names the import that registers a backend when none is', () => {
    const spy = vi.spyOn(tf.engine(), 'backendNames').mockReturnValue([]);
    try {
      expect(() => assertTfjsSetUp('sample')).toThrow(
        /^sample: no tfjs backend is registered; import '@tensorflow\/tfjs' \(cpu and webgl\)/,
      );
    } finally {
      spy.mockRestore();
    }
  });

  it('names the import that registers the gradients when they are missing', () => {
    const realDiv = tf.getGradient(tf.RealDiv)!;
    tf.unregisterGradient(tf.RealDiv);
    try {
      expect(() => assertTfjsSetUp('sample')).not.toThrow(); // sampling needs no gradients
      expect(() => assertTfjsSetUp('trainer.step', { gradients: true })).toThrow(
        /^trainer.step: tfjs' gradient functions are not registered; import '@tensorflow\/tfjs' once/,
      );
    } finally {
      tf.registerGradient(realDiv);
    }
    expect(() => assertTfjsSetUp('trainer.step', { gradients: true })).not.toThrow();
  });
});
