import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build, type PreviewServer, preview } from 'vite';
import type { TestProject } from 'vitest/node';
import { assertChromium } from './browser';

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

/** Builds the app (unless MD4_WEB_SKIP_BUILD=1) and serves dist/ on a free port for the tests. */
export async function setup(project: TestProject): Promise<void> {
  assertChromium();
  if (process.env.MD4_WEB_SKIP_BUILD !== '1') await build({ root, logLevel: 'warn' });
  const port = await freePort();
  server = await preview({ root, logLevel: 'warn', preview: { host: '127.0.0.1', port, strictPort: true } });
  project.provide('baseUrl', `http://127.0.0.1:${port}/`);
}

export async function teardown(): Promise<void> {
  await server?.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}
