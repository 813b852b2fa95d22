import fc from 'fast-check';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from './data-format-error';
import { readZipEntry } from './zip-entry';

describe('readZipEntry', () => {
  const zip = zipSync({ 'dir/text8': strToU8(' the quick brown fox'.repeat(50)), other: strToU8('x') });

  it('finds the entry by base name', () => {
    expect(new TextDecoder().decode(readZipEntry(zip, 'text8', 'a.zip')).length).toBe(1000);
  });

  it('does not inflate an entry larger than the limit (a zip bomb)', () => {
    expect(() => readZipEntry(zip, 'text8', 'a.zip', 999)).toThrow(
      /a\.zip: holds dir\/text8, which inflates to more than the 999 bytes/,
    );
    expect(readZipEntry(zip, 'text8', 'a.zip', 1000).length).toBe(1000);
  });

  it('fuzz: random, mutated and truncated archives give a DataFormatError or bytes, never a crash or hang', () => {
    const check = (b: Uint8Array) => {
      try {
        expect(readZipEntry(b, 'text8', 'fuzz.zip')).toBeInstanceOf(Uint8Array);
      } catch (e) {
        expect(e).toBeInstanceOf(DataFormatError);
        expect((e as Error).message).toMatch(/^fuzz\.zip: /);
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => check(Uint8Array.from([0x50, 0x4b, 3, 4, ...b]))),
      { numRuns: 300, seed: 41 },
    );
    fc.assert(
      fc.property(
        fc.nat(zip.length),
        fc.array(fc.tuple(fc.nat(zip.length - 1), fc.nat(255)), { maxLength: 3 }),
        (cut, edits) => {
          const b = Uint8Array.from(zip);
          for (const [i, v] of edits) b[i] = v;
          check(b.subarray(0, cut));
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });
});
