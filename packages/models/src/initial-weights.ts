import { createRng } from '@md4/core';
import type { ParameterSpec } from './parameter-layout';

/**
 * Initial values for each parameter, drawn from a seeded generator in float64 and rounded to
 * float32: the same seed gives bit-identical weights on every backend. Each parameter gets its own
 * stream (`rng.fork()` in layout order), so changing one shape leaves the others' values alone.
 */
export function initialWeights(layout: ParameterSpec[], seed: number): Map<string, Float32Array> {
  const rng = createRng(seed);
  const out = new Map<string, Float32Array>();
  for (const spec of layout) {
    const stream = rng.fork();
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (spec.init === 'ones') values.fill(1);
    else if (spec.init === 'normal' || spec.init === 'lecun') {
      const std = spec.init === 'normal' ? 1 : 1 / Math.sqrt(spec.shape[0]!);
      for (let i = 0; i < size; i++) values[i] = stream.normal() * std;
    }
    out.set(spec.name, values);
  }
  return out;
}
