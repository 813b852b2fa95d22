import { describe, expect, it } from 'vitest';
import { SAMPLE_LOGITS_BYTES, sampleChunks } from './sample-chunks';

describe('sampleChunks', () => {
  it('splits a large count so the logits of each call stay under 256 MiB, covering every sequence once', () => {
    expect(sampleChunks(4096, 128, 27)).toEqual([4096]); // 4096 x 128 x 27 x 4 B = 57 MB
    const gpt2 = sampleChunks(3, 1024, 50257); // 206 MB each: one sequence per call
    expect(gpt2).toEqual([1, 1, 1]);
    const mixed = sampleChunks(100, 64, 50257);
    expect(mixed.reduce((a, b) => a + b, 0)).toBe(100);
    for (const n of mixed) expect(n * 64 * 50257 * 4).toBeLessThanOrEqual(SAMPLE_LOGITS_BYTES);
    expect(mixed[0]).toBe(Math.floor(SAMPLE_LOGITS_BYTES / (64 * 50257 * 4)));
  });
});
