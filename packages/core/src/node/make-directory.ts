import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates folder `path` and any missing parents, one level at a time, like `mkdir -p`.
 *
 * Node 20's `mkdirSync(path, { recursive: true })` spins forever where the file system refuses a
 * new folder with ENOENT although its parent exists (procfs, sysfs: `/proc/run`). Here each level
 * is one plain `mkdir`, so such a refusal is an error at once: an Error with the errno `code`
 * (ENOENT, EACCES, EROFS, ENOTDIR) whose message names the folder that could not be made.
 */
export function makeDirectory(path: string): void {
  const missing: string[] = [];
  let existing = resolve(path);
  while (!existsSync(existing)) {
    missing.push(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  if (existsSync(existing) && !statSync(existing).isDirectory()) {
    throw Object.assign(new Error(`${existing} is a file, not a folder`), { code: 'ENOTDIR' });
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(dir).isDirectory()) continue;
      const why =
        code === 'ENOENT' ? 'the file system does not allow a folder there' : (error as Error).message;
      throw Object.assign(new Error(`cannot create folder ${dir}: ${why}`), { code });
    }
  }
}
