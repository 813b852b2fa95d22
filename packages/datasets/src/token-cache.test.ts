import { mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from './data-format-error';
import { gpt2Tokenizer } from './gpt2-tokenizer';
import { text8Tokenizer } from './text8-tokenizer';
import { openTokenCache, readTokenCacheHeader, TokenCacheWriter } from './token-cache-file';
import {
  encodeTokenCacheHeader,
  parseTokenCacheHeader,
  TOKEN_CACHE_HEADER_BYTES,
} from './token-cache-format';

const dir = mkdtempSync(join(tmpdir(), 'md4-cache-'));
const FP = 'ab'.repeat(32);

function writeCache(name: string, tokens: number[], tok = gpt2Tokenizer): string {
  const path = join(dir, name);
  const w = new TokenCacheWriter(path, tok, FP);
  w.append(tokens);
  w.endDocument();
  w.finish();
  return path;
}

describe('token cache file', () => {
  it('writes the documented header layout and reads tokens back through fd reads', () => {
    const tokens = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 50257);
    const path = writeCache('a.tok', tokens);
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(128 + 2 * 1000);
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('MD4TOKS\n');
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    expect([
      dv.getUint32(8, true),
      dv.getUint32(12, true),
      dv.getUint32(16, true),
      dv.getUint32(20, true),
    ]).toEqual([1, 128, 50257, 2]);
    expect(Number(dv.getBigUint64(24, true))).toBe(1000);
    expect(Number(dv.getBigUint64(32, true))).toBe(1);
    expect(bytes.subarray(40, 44).toString('latin1')).toBe('gpt2');
    expect(readTokenCacheHeader(path)).toMatchObject({
      tokenCount: 1000,
      documentCount: 1,
      tokenizerId: 'gpt2',
      fingerprint: FP,
    });
    const ds = openTokenCache(path, { length: 64, tokenizer: gpt2Tokenizer });
    expect(ds.size).toBe(15);
    expect(Array.from(ds.chunk(3))).toEqual(tokens.slice(192, 256));
    expect(Array.from(ds.read(990, 10))).toEqual(tokens.slice(990));
    ds.close();
    ds.close();
    expect(() => ds.chunk(0)).toThrow(/closed/);
  });

  it('errors clearly on truncation, extra bytes, vocabulary mismatch and corrupt tokens', () => {
    const path = writeCache(
      't.tok',
      Array.from({ length: 100 }, (_, i) => i),
    );
    truncateSync(path, 128 + 150);
    expect(() => openTokenCache(path, { length: 8 })).toThrow(
      /t\.tok: is truncated: the header promises 100 tokens \(328 bytes\) but the file has 278 bytes; delete the file/,
    );
    truncateSync(path, 60);
    expect(() => openTokenCache(path, { length: 8 })).toThrow(
      /is truncated: 60 bytes, shorter than the 128-byte token cache header/,
    );
    const extra = writeCache('x.tok', [1, 2, 3]);
    writeFileSync(extra, Buffer.concat([readFileSync(extra), Buffer.from([0, 0])]));
    expect(() => openTokenCache(extra, { length: 1 })).toThrow(/has 2 bytes after the 3 tokens/);
    const g = writeCache('g.tok', [1, 2, 3, 4]);
    expect(() => openTokenCache(g, { length: 2, tokenizer: text8Tokenizer })).toThrow(
      /g\.tok: was written for tokenizer 'gpt2' with vocabulary 50257, but tokenizer 'text8' has vocabulary 27/,
    );
    const lie = join(dir, 'lie.tok');
    const head = encodeTokenCacheHeader({
      vocabSize: 30,
      bytesPerToken: 2,
      tokenCount: 2,
      documentCount: 1,
      tokenizerId: 'text8',
      fingerprint: FP,
    });
    writeFileSync(lie, Buffer.concat([head, Buffer.from([1, 0, 2, 0])]));
    expect(() => openTokenCache(lie, { length: 1 })).toThrow(
      /says vocabulary 30, but tokenizer 'text8' has vocabulary 27/,
    );
    const bad = join(dir, 'bad.tok');
    const h27 = encodeTokenCacheHeader({
      vocabSize: 27,
      bytesPerToken: 2,
      tokenCount: 2,
      documentCount: 1,
      tokenizerId: 'text8',
      fingerprint: FP,
    });
    writeFileSync(bad, Buffer.concat([h27, Buffer.from([1, 0, 99, 0])]));
    const ds = openTokenCache(bad, { length: 1 });
    expect(() => ds.chunk(1)).toThrow(/token 99 at index 1 is outside the vocabulary 0..26/);
    ds.close();
    const notCache = join(dir, 'not.tok');
    writeFileSync(notCache, Buffer.alloc(200, 7));
    expect(() => openTokenCache(notCache, { length: 1 })).toThrow(
      /not an MD4 token cache \(wrong magic bytes\)/,
    );
    expect(() => openTokenCache(join(dir, 'none.tok'), { length: 1 })).toThrow(
      /none\.tok: cannot be opened \(ENOENT\)/,
    );
    const w = new TokenCacheWriter(join(dir, 'w.tok'), text8Tokenizer, FP);
    expect(() => w.append([27])).toThrow(/token 27 is outside 0..26/);
    w.abort();
  });

  it('fuzz: random, mutated and truncated bytes give a DataFormatError or a valid header, never anything else', () => {
    const good = readFileSync(
      writeCache(
        'f.tok',
        Array.from({ length: 50 }, (_, i) => i * 3),
      ),
    );
    const check = (bytes: Uint8Array, size: number) => {
      try {
        const h = parseTokenCacheHeader(bytes, size, 'fuzz.tok');
        expect(size).toBe(TOKEN_CACHE_HEADER_BYTES + h.tokenCount * h.bytesPerToken);
      } catch (e) {
        expect(e).toBeInstanceOf(DataFormatError);
        expect((e as Error).message).toMatch(/^fuzz\.tok: /);
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => check(b, b.length)),
      { numRuns: 500, seed: 11 },
    );
    fc.assert(
      fc.property(
        fc.nat(good.length),
        fc.array(fc.tuple(fc.nat(127), fc.nat(255)), { maxLength: 4 }),
        (cut, edits) => {
          const b = Uint8Array.from(good);
          for (const [i, v] of edits) b[i] = v;
          check(b.subarray(0, cut), cut);
        },
      ),
      { numRuns: 500, seed: 12 },
    );
    // Truncated files on disk, through the real reader.
    const path = join(dir, 'cut.tok');
    for (const cut of [0, 1, 64, 127, 128, 129, good.length - 1]) {
      writeFileSync(path, good.subarray(0, cut));
      expect(() => openTokenCache(path, { length: 4 })).toThrow(DataFormatError);
    }
    expect(statSync(path).size).toBe(good.length - 1);
  });
});
