import { describe, expect, it } from 'vitest';
import { countLayoutParameters, countParameters, forwardFlops, matmulParameters } from './parameter-count';
import { createTransformer } from './transformer';
import { gluHidden, PRESETS, type TransformerConfig } from './transformer-config';

describe('parameter counts', () => {
  it('the tiny preset has 475,936 parameters (hand count, same as torch_md4.py)', () => {
    // embed 28*128 = 3584; blocks 2 * (4*128^2 + 3*128*352) = 401408;
    // time MLP 32*128+128 + 128*32+32 = 8352; adaLN 2*(32*768+768) = 50688; final adaLN 32*256+256 = 8448;
    // output 128*27 = 3456.
    expect(gluHidden(128)).toBe(352);
    expect(countParameters(PRESETS.tiny)).toBe(3584 + 401408 + 8352 + 50688 + 8448 + 3456);
  });

  it('formula == layout enumeration for every preset and variants', () => {
    const configs: TransformerConfig[] = [
      ...Object.values(PRESETS),
      { ...PRESETS.tiny, timeConditioned: false },
      { ...PRESETS['image-28'], timeConditioned: false },
      { vocabSize: 5, seqLen: 12, layers: 3, dModel: 24, heads: 3, tokensPerPosition: 3, tokenEmbedDim: 5 },
    ];
    for (const c of configs) expect(countLayoutParameters(c)).toBe(countParameters(c));
  });

  it('paper sizes: MD4-S (12 x 768) and MD4-M (24 x 1024) with the GPT-2 vocabulary', () => {
    // Transformer blocks alone: 12 * (4 * 768^2 + 3 * 768 * 2048) = 84,934,656.
    expect(gluHidden(768)).toBe(2048);
    expect(matmulParameters(PRESETS.small).perPosition).toBe(
      12 * (4 * 768 * 768 + 3 * 768 * 2048) + 768 * 50257,
    );
    expect(countParameters(PRESETS.small)).toBeGreaterThan(160e6);
    expect(countParameters(PRESETS.medium)).toBeGreaterThan(400e6);
  });

  it('the built model has exactly that many values', () => {
    for (const c of [
      PRESETS.tiny,
      { ...PRESETS.tiny, timeConditioned: false },
      PRESETS['image-28'],
    ] as TransformerConfig[]) {
      const model = createTransformer({ ...c, layers: 1 });
      const total = model.variables().reduce((s, v) => s + v.size, 0);
      expect(total).toBe(countParameters({ ...c, layers: 1 }));
      expect(model.parameterCount()).toBe(total);
      model.dispose();
    }
  });

  it('FLOPs are counted like torch_md4.py', () => {
    // small-cpu: d 256, hidden 704, 4 layers; per position 4 * (4*256^2 + 3*256*704) + 256*27.
    const c = PRESETS['small-cpu'];
    const { perPosition, perSequence } = matmulParameters(c);
    expect(perPosition).toBe(4 * (4 * 256 * 256 + 3 * 256 * 704) + 256 * 27);
    expect(perSequence).toBe(8 * 64 * 64 + 4 * 64 * 6 * 256 + 64 * 2 * 256);
    expect(forwardFlops(c, 16, 256)).toBe(
      2 * perPosition * 16 * 256 + 2 * perSequence * 16 + 4 * 16 * 256 * 256 * 256 * 4,
    );
  });
});
