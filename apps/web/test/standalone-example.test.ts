import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './browser';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const browserPackage = join(repo, 'packages/browser');

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** A plain static file server: every file as it is on disk, nothing transformed. */
function staticServer(root: string): Server {
  return createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
}

/**
 * @md4/browser as a user without a bundler gets it: the built package packed, installed from the
 * tarball into a fresh folder outside the workspace, and packages/browser/examples/standalone served
 * as static files next to a model folder (the app's demo checkpoint).
 */
describe('the standalone example page, from the packed @md4/browser tarball', () => {
  let folder: string;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'md4-standalone-'));
    execFileSync('pnpm', ['pack', '--pack-destination', folder], { cwd: browserPackage, stdio: 'ignore' });
    const tarball = readdirSync(folder).find((f) => f.endsWith('.tgz'))!;
    // The package has no dependencies: nothing but the tarball is installed (no network needed).
    execFileSync('npm', ['init', '-y'], { cwd: folder, stdio: 'ignore' });
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', `./${tarball}`], {
      cwd: folder,
      stdio: 'ignore',
    });
    cpSync(join(browserPackage, 'examples/standalone/index.html'), join(folder, 'index.html'));
    cpSync(fileURLToPath(new URL('../public/checkpoints/demo/', import.meta.url)), join(folder, 'model'), {
      recursive: true,
    });
    server = staticServer(folder);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('loads the model in the package worker, streams a sample and samples again', async () => {
    const browser = await launchBrowser('none');
    try {
      const page = await browser.context.newPage();
      await page.goto(url);
      await page.waitForFunction(
        () => document.getElementById('status')?.textContent?.startsWith('Done'),
        undefined,
        {
          timeout: 60_000,
        },
      );
      const first = (await page.textContent('#out'))!;
      expect(await page.textContent('#status')).toMatch(
        /^Done: 24 steps on wasm, first step shown after \d+ ms, finished after \d+ ms\.$/,
      );
      expect(first).toMatch(/^[a-z ]{96}$/);
      await page.click('#again');
      await page.waitForFunction(
        (before) =>
          document.getElementById('out')?.textContent !== before &&
          !document.getElementById('again')?.hasAttribute('disabled'),
        first,
        { timeout: 60_000 },
      );
      expect(await page.textContent('#out')).toMatch(/^[a-z ]{96}$/);
      expect(browser.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
