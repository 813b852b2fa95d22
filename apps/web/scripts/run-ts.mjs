#!/usr/bin/env node
// Runs one of this app's TypeScript scripts in Node: `node scripts/run-ts.mjs scripts/x.ts [args]`.
// Vite's SSR module loader compiles the TypeScript and resolves workspace packages from their sources
// (the "md4-source" export condition), so no package needs to be built first. The script exports main(args).
import { resolve } from 'node:path';
import { createServer } from 'vite';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node scripts/run-ts.mjs <script.ts> [args...]');
  process.exit(2);
}
const server = await createServer({
  configFile: false,
  logLevel: 'error',
  appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
  ssr: {
    noExternal: [/^@md4\//],
    resolve: { conditions: ['md4-source', 'node', 'import'], externalConditions: ['node', 'import'] },
  },
});
try {
  const module = await server.ssrLoadModule(resolve(script));
  if (typeof module.main !== 'function') throw new Error(`${script} has no exported main(args)`);
  await module.main(args);
} finally {
  await server.close();
}
