import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirectory } from './make-directory';
import { processAlive } from './process-alive';

const work = mkdtempSync(join(tmpdir(), 'md4-mkdir-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('makeDirectory', () => {
  it('creates missing parents and accepts a folder that exists', () => {
    const deep = join(work, 'a', 'b', 'c');
    makeDirectory(deep);
    makeDirectory(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
  });

  it('fails at once on procfs, where recursive mkdir spins forever', () => {
    const started = Date.now();
    expect(() => makeDirectory('/proc/md4-run/inner')).toThrow(
      /cannot create folder \/proc\/md4-run: the file system does not allow a folder there/,
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('names a file that stands where a folder should be', () => {
    const file = join(work, 'file');
    writeFileSync(file, 'x');
    expect(() => makeDirectory(join(file, 'sub'))).toThrow(/is a file, not a folder/);
  });
});

describe('processAlive', () => {
  it('is true for this process and false for a pid that cannot exist', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(2 ** 22 + 1)).toBe(false);
  });
});
