import { describe, expect, it } from 'vitest';
import { pixelTokenizer } from './pixel-tokenizer';
import { tokenizerFromId } from './tokenizer-registry';

describe('pixelTokenizer and tokenizerFromId', () => {
  it('has 256 levels, MASK 256, and an id carrying the shape', () => {
    const t = pixelTokenizer({ height: 2, width: 3, channels: 1 });
    expect(t.id).toBe('pixels-2x3x1');
    expect(t.vocabSize).toBe(256);
    const px = Uint8Array.from([0, 1, 127, 128, 254, 255]);
    expect(Array.from(t.encode(px))).toEqual([0, 1, 127, 128, 254, 255]);
    expect(Array.from(t.decode([0, 256, 255, 1, 2, 3], { maskValue: 9 }))).toEqual([0, 9, 255, 1, 2, 3]);
    expect(() => t.encode([1, 2])).toThrow(/expected 6 values/);
    expect(() => t.encode([0, 0, 0, 0, 0, 300])).toThrow(/300/);
    expect(() => pixelTokenizer({ height: 0, width: 1 })).toThrow(/height/);
  });

  it('rebuilds every tokenizer from its id', () => {
    expect(tokenizerFromId('text8').vocabSize).toBe(27);
    expect(tokenizerFromId('gpt2').vocabSize).toBe(50257);
    const p = tokenizerFromId('pixels-32x32x3');
    expect(p.kind === 'image' && [p.height, p.width, p.channels]).toEqual([32, 32, 3]);
    expect(() => tokenizerFromId('bert')).toThrow(/unknown tokenizer id "bert".*known ids/);
  });
});
