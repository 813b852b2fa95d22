import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFormatError } from './data-format-error';
import { readDataFile } from './read-data-file';

const dir = mkdtempSync(join(tmpdir(), 'md4-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readDataFile', () => {
  it('returns exactly the bytes of a file, at the limit too', () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 251);
    const path = join(dir, 'f.bin');
    writeFileSync(path, bytes);
    expect(readDataFile(path)).toEqual(bytes);
    expect(readDataFile(path, { maxBytes: 70_000 })).toEqual(bytes);
    expect(() => readDataFile(path, { maxBytes: 69_999, what: 'a test file' })).toThrow(
      /f\.bin: holds more than 69,999 bytes, more than a test file can have/,
    );
  });

  it('stops reading an endless file (/dev/zero) at the limit', () => {
    expect(() => readDataFile('/dev/zero', { maxBytes: 50_000_000 })).toThrow(DataFormatError);
    expect(() => readDataFile('/dev/zero', { maxBytes: 1000 })).toThrow(/holds more than 1,000 bytes/);
  });

  it('names the system reason for a file that cannot be read', () => {
    expect(() => readDataFile(join(dir, 'missing'), { fix: 'pass the file' })).toThrow(
      /missing: cannot be read \(ENOENT\); pass the file/,
    );
    expect(() => readDataFile(dir)).toThrow(/cannot be read \(EISDIR\)/);
  });
});
