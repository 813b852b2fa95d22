import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type PreviewServer, preview } from 'vite';
import type { TestProject } from 'vitest/node';
import { assertChromium } from './browser';
import { FIXTURES_PATH, fixtureServer } from './fixture-server';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A TCP port that is free right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

let server: PreviewServer | undefined;
let fixtures: string | undefined;

/**
 * Builds the app (unless MD4_WEB_SKIP_BUILD=1) and serves dist/ on a free port for the tests, with a
 * folder the test files write fixtures into (model folders) served at /test-fixtures/.
 */
export async function setup(project: TestProject): Promise<void> {
  assertChromium();
  if (process.env.MD4_WEB_SKIP_BUILD !== '1') await build({ root, logLevel: 'warn' });
  const port = await freePort();
  fixtures = mkdtempSync(join(tmpdir(), 'md4-web-fixtures-'));
  server = await preview({
    root,
    logLevel: 'warn',
    plugins: [fixtureServer(fixtures)],
    preview: { host: '127.0.0.1', port, strictPort: true },
  });
  const baseUrl = `http://127.0.0.1:${port}/`;
  project.provide('baseUrl', baseUrl);
  project.provide('fixturesDir', fixtures);
  project.provide('fixturesUrl', new URL(FIXTURES_PATH, baseUrl).href);
}

export async function teardown(): Promise<void> {
  await server?.close();
  if (fixtures) rmSync(fixtures, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    /** A folder the test files may write into; the preview server serves it at `fixturesUrl`. */
    fixturesDir: string;
    /** `${baseUrl}test-fixtures/`; `${fixturesUrl}slow/<path>` serves <path> slowly. */
    fixturesUrl: string;
  }
}
