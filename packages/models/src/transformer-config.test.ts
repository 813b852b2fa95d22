import { describe, expect, it } from 'vitest';
import { preset, resolveConfig, sameArchitecture } from './transformer-config';

describe('transformer config', () => {
  it('fills defaults', () => {
    const c = resolveConfig({ vocabSize: 27, seqLen: 16, layers: 1, dModel: 32, heads: 2 });
    expect(c).toMatchObject({
      mlpHidden: 96,
      timeConditioned: true,
      dropout: 0,
      ropeTheta: 10000,
      tokensPerPosition: 1,
      tokenEmbedDim: 32,
    });
  });

  it('presets take overrides', () => {
    expect(preset('small', { vocabSize: 27, seqLen: 256 })).toMatchObject({
      layers: 12,
      dModel: 768,
      vocabSize: 27,
    });
    expect(() => preset('huge' as never)).toThrow(/unknown preset "huge"/);
  });

  it('names the bad field', () => {
    const base = { vocabSize: 27, seqLen: 16, layers: 1, dModel: 32, heads: 2 };
    expect(() => resolveConfig({ ...base, dModel: 30, heads: 4 })).toThrow(
      /dModel 30 is not divisible by heads 4/,
    );
    expect(() => resolveConfig({ ...base, dModel: 6, heads: 2 })).toThrow(/head dim 3 must be even/);
    expect(() => resolveConfig({ ...base, layers: 0 })).toThrow(/layers must be a positive integer/);
    expect(() => resolveConfig({ ...base, dropout: 1 })).toThrow(/dropout/);
    // what a hand-edited config.json may hold: each refused before anything is allocated
    expect(() => resolveConfig({ ...base, ropeTheta: [10] as never })).toThrow(
      /ropeTheta must be >= 0, got 10/,
    );
    expect(() => resolveConfig({ ...base, dropout: [] as never })).toThrow(/dropout must lie in \[0, 1\)/);
    expect(() => resolveConfig({ ...base, timeConditioned: 1.5 as never })).toThrow(
      /timeConditioned must be true or false, got 1\.5/,
    );
    expect(() => resolveConfig({ ...base, seqLen: 1e8 })).toThrow(/seqLen 100000000 is above the 1048576/);
    expect(() => resolveConfig({ ...base, layers: 2 ** 40 })).toThrow(/layers must be a positive integer/);
    expect(() => resolveConfig({ ...base, tokensPerPosition: 3 })).toThrow(
      /seqLen 16 is not divisible by tokensPerPosition 3/,
    );
    expect(() => resolveConfig({ ...base, image: { height: 3, width: 3, channels: 1 } })).toThrow(
      /does not have seqLen 16/,
    );
  });

  it('compares architectures, not run-time settings', () => {
    const a = resolveConfig({ vocabSize: 27, seqLen: 16, layers: 1, dModel: 32, heads: 2 });
    expect(
      sameArchitecture(
        a,
        resolveConfig({ vocabSize: 27, seqLen: 64, layers: 1, dModel: 32, heads: 2, dropout: 0.1 }),
      ),
    ).toBe(true);
    expect(
      sameArchitecture(a, resolveConfig({ vocabSize: 27, seqLen: 16, layers: 2, dModel: 32, heads: 2 })),
    ).toBe(false);
  });
});
