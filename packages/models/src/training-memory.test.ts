import { describe, expect, it } from 'vitest';
import { countNetworkParameters, resolveNetworkConfig } from './network-config';
import { assertTrainingMemory, MAX_TRAINING_BYTES, trainingFloats } from './training-memory';
import { preset } from './transformer-config';

const tiny = resolveNetworkConfig(preset('tiny', { vocabSize: 27 }));

describe('training memory estimate', () => {
  it('is the closed form 5 N + B P (layers (40 d + 20 h + 4 H P) + 8 V g)', () => {
    // tiny: d 128, h 352, H 4, P 128, 2 layers, V 27
    const perSequence = 128 * (2 * (40 * 128 + 20 * 352 + 4 * 4 * 128) + 8 * 27);
    const { fixed, total } = trainingFloats(tiny, 3);
    expect(fixed).toBe(5 * countNetworkParameters(tiny));
    expect(total).toBe(fixed + 3 * perSequence);
  });

  it("puts the 4 GiB limit between batch 270 (trains on the native backend) and 300 (fails), tiny's measured edge", () => {
    expect(4 * trainingFloats(tiny, 270).total).toBeLessThan(MAX_TRAINING_BYTES);
    expect(4 * trainingFloats(tiny, 300).total).toBeGreaterThan(MAX_TRAINING_BYTES);
    expect(() => assertTrainingMemory(tiny, 270)).not.toThrow();
    expect(() => assertTrainingMemory(tiny, 300)).toThrow(/the largest batch that fits is about 29\d/);
  });

  it('names the largest batch that fits, which fits, while one more does not', () => {
    const limit = 2 ** 28;
    let message = '';
    try {
      assertTrainingMemory(tiny, 1000, limit);
    } catch (error) {
      message = (error as Error).message;
    }
    const largest = Number(/the largest batch that fits is about (\d+)/.exec(message)?.[1]);
    expect(4 * trainingFloats(tiny, largest).total).toBeLessThanOrEqual(limit);
    expect(4 * trainingFloats(tiny, largest + 1).total).toBeGreaterThan(limit);
  });

  it('says when not even one sequence fits', () => {
    const small = resolveNetworkConfig(preset('small'));
    expect(() => assertTrainingMemory(small, 1)).toThrow(/not even one sequence fits/);
  });
});
