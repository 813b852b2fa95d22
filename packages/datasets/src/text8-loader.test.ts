import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { loadText8 } from './text8-loader';
import { text8Tokenizer } from './text8-tokenizer';

const dir = mkdtempSync(join(tmpdir(), 'md4-text8-'));
// A small text8-form file (the real one is 100M characters of cleaned Wikipedia).
const TEXT =
  ' anarchism originated as a term of abuse first used against early working class radicals including'.slice(
    0,
    90,
  );

describe('loadText8', () => {
  it('splits the file by character counts and reads chunks and windows', () => {
    const path = join(dir, 'text8');
    writeFileSync(path, TEXT);
    const { train, valid, test } = loadText8(path, { length: 8, splits: [70, 10, 10] });
    expect([train.numTokens, valid.numTokens, test.numTokens]).toEqual([70, 10, 10]);
    expect(text8Tokenizer.decode(train.chunk(0))).toBe(TEXT.slice(0, 8));
    expect(train.size).toBe(8); // floor(70 / 8): the remainder is dropped
    expect(text8Tokenizer.decode(valid.chunk(0))).toBe(TEXT.slice(70, 78));
    expect(text8Tokenizer.decode(test.read(0, 10))).toBe(TEXT.slice(80, 90));
  });

  it('reads text8.zip (detected by content) with the same result', () => {
    const zipPath = join(dir, 'text8.zip');
    writeFileSync(zipPath, zipSync({ text8: strToU8(TEXT) }));
    const { valid } = loadText8(zipPath, { length: 8, splits: [70, 10, 10] });
    expect(text8Tokenizer.decode(valid.chunk(0))).toBe(TEXT.slice(70, 78));
  });

  it('cleans prose when asked, and otherwise names the bad byte and the clean option', () => {
    const path = join(dir, 'prose.txt');
    writeFileSync(path, 'In 1990 the U.S. grew.');
    expect(() => loadText8(path, { splits: [10, 5, 7] })).toThrow(
      /prose\.txt: byte 0x49 "I" at offset 0 is not a text8 character.*clean: true/,
    );
    const { train, test } = loadText8(path, { clean: true, length: 4, splits: [24, 5, 5] });
    expect(text8Tokenizer.decode(train.read(0, 24))).toBe('in one nine nine zero th');
    expect(text8Tokenizer.decode(test.read(0, 5))).toBe(' grew');
  });

  it('explains wrong sizes, bad zips and missing files', () => {
    const path = join(dir, 'small');
    writeFileSync(path, TEXT);
    expect(() => loadText8(path)).toThrow(/has 90 characters.*standard text8 has 100,000,000.*splits/);
    expect(() => loadText8(path, { splits: [10, 10, 10] })).toThrow(/add up to 30/);
    const bad = join(dir, 'bad.zip');
    writeFileSync(bad, Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]));
    expect(() => loadText8(bad)).toThrow(/bad\.zip: is not a readable zip archive/);
    const other = join(dir, 'other.zip');
    writeFileSync(other, zipSync({ a: strToU8('x'), b: strToU8('y') }));
    expect(() => loadText8(other)).toThrow(/other\.zip: has no entry named 'text8' \(entries: a, b\)/);
    expect(() => loadText8(join(dir, 'missing'))).toThrow(/missing: cannot be read \(ENOENT\)/);
    writeFileSync(join(dir, 'empty'), '');
    expect(() => loadText8(join(dir, 'empty'))).toThrow(/is empty/);
  });
});
