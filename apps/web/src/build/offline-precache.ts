import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Plugin } from 'vite';

/** Files of the build the service worker does not keep: itself and the static host's header rules. */
const NOT_PRECACHED = new Set(['sw.js', '_headers']);

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/**
 * Writes `sw.js` into the build once everything else is written (the worker's chunks and the wasm
 * binaries included): the service worker of `src/build/service-worker.js` with the list of the
 * build's files, the app's root ('./') among them, and a cache name hashed from their contents.
 */
export function offlinePrecache(): Plugin {
  let outDir = '';
  return {
    name: 'md4-offline-precache',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      const files = (await filesUnder(outDir)).filter((f) => !NOT_PRECACHED.has(f));
      const hash = createHash('sha256');
      for (const file of files) hash.update(file).update(await readFile(join(outDir, file)));
      const precache = { cache: `md4-app-${hash.digest('hex').slice(0, 16)}`, files: ['./', ...files] };
      const source = await readFile(new URL('./service-worker.js', import.meta.url), 'utf8');
      await writeFile(join(outDir, 'sw.js'), `const PRECACHE = ${JSON.stringify(precache)};\n${source}`);
    },
  };
}
