import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './write-file-atomic';

const work = mkdtempSync(join(tmpdir(), 'md4-atomic-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces a file with the whole new content and leaves no temporary behind', async () => {
    const path = join(work, 'config.json');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, '{"new": true}');
    await writeFileAtomic(join(work, 'bytes.bin'), Uint8Array.of(1, 2, 3));
    expect(readFileSync(path, 'utf8')).toBe('{"new": true}');
    expect([...readFileSync(join(work, 'bytes.bin'))]).toEqual([1, 2, 3]);
    expect(readdirSync(work).sort()).toEqual(['bytes.bin', 'config.json']);
  });

  it('leaves what was there and removes its temporary when the write cannot finish', async () => {
    // renaming the temporary over a folder fails after the temporary was written and synced
    const folder = join(work, 'folder');
    mkdirSync(folder);
    writeFileSync(join(folder, 'inside'), 'kept');
    await expect(writeFileAtomic(folder, 'new')).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readFileSync(join(folder, 'inside'), 'utf8')).toBe('kept');
    expect(readdirSync(work).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});
