import { describe, expect, it } from 'vitest';
import { countNetworkParameters, resolveNetworkConfig } from './network-config';
import { assertTrainingMemory, MAX_TRAINING_BYTES, trainingFloats } from './training-memory';
import { preset } from './transformer-config';

const tiny = resolveNetworkConfig(preset('tiny', { vocabSize: 27 }));

describe('training memory estimate', () => {
  it('is the closed form 5 N + B P (layers (a d + b h + s H P) + e d + 8 V g), (a, b, s, e) by kernel path', () => {
    // tiny: d 128, h 352, H 4, P 128, 2 layers, V 27
    for (const [kernels, a, b, scores, e] of [
      ['composed', 9, 5, 3, 32],
      ['fused', 7, 4, 0, 18],
    ] as const) {
      const perSequence = 128 * (2 * (a * 128 + b * 352 + scores * 4 * 128) + e * 128 + 8 * 27);
      const { fixed, total } = trainingFloats(tiny, 3, kernels);
      expect(fixed).toBe(5 * countNetworkParameters(tiny));
      expect(total).toBe(fixed + 3 * perSequence);
    }
  });

  it("puts tiny's 4 GiB limit on wasm at 633 sequences, which trained there at a peak RSS of 3.8 GB", () => {
    expect(() => assertTrainingMemory(tiny, 633)).not.toThrow();
    expect(() => assertTrainingMemory(tiny, 634)).toThrow(/the largest batch that fits is about 633/);
    expect(() => assertTrainingMemory(tiny, 1174, { kernels: 'fused' })).not.toThrow();
    expect(() => assertTrainingMemory(tiny, 1175, { kernels: 'fused' })).toThrow(
      /the largest batch that fits is about 1174/,
    );
    expect(4 * trainingFloats(tiny, 1174, 'fused').total).toBeLessThanOrEqual(MAX_TRAINING_BYTES);
  });

  it('fused kernels keep nothing that grows with L^2: the estimate per token does not depend on L', () => {
    const long = resolveNetworkConfig(preset('tiny', { vocabSize: 27, seqLen: 1024 }));
    expect(trainingFloats(long, 1, 'fused').perSequence / 1024).toBe(
      trainingFloats(tiny, 1, 'fused').perSequence / 128,
    );
    expect(trainingFloats(long, 1, 'composed').perSequence / 1024).toBeGreaterThan(
      trainingFloats(tiny, 1, 'composed').perSequence / 128,
    );
  });

  it('names the largest batch that fits, which fits, while one more does not', () => {
    const limit = 2 ** 28;
    let message = '';
    try {
      assertTrainingMemory(tiny, 1000, { limit: { bytes: limit, name: 'of a test limit' } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/needs about [\d.]+ GiB, over the 0\.3 GiB of a test limit; /);
    const largest = Number(/the largest batch that fits is about (\d+)/.exec(message)?.[1]);
    expect(4 * trainingFloats(tiny, largest).total).toBeLessThanOrEqual(limit);
    expect(4 * trainingFloats(tiny, largest + 1).total).toBeGreaterThan(limit);
  });

  it('says when not even one sequence fits', () => {
    const small = resolveNetworkConfig(preset('small'));
    expect(() => assertTrainingMemory(small, 1)).toThrow(/not even one sequence fits/);
  });
});
