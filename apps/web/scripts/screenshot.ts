/**
 * Takes the README's screenshot (docs/screenshot.png): builds nothing, serves dist/ (run `vite build`
 * first), trains a few steps, reloads the demo model, generates and infills, then captures the page.
 *
 *   node scripts/run-ts.mjs scripts/screenshot.ts
 */
import { fileURLToPath } from 'node:url';
import { preview } from 'vite';
import { launchBrowser, openApp } from '../test/browser';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function main(): Promise<void> {
  const server = await preview({
    root,
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port: 4499, strictPort: true },
  });
  const browser = await launchBrowser('webgl');
  try {
    const page = await openApp(browser, 'http://127.0.0.1:4499/', 'wasm');
    await page.emulateMedia({ colorScheme: 'light' });
    // The training panel's defaults: 200 steps of a 2 x 64 model on the bundled corpus.
    await page.click('#train-run');
    await page.waitForFunction(
      () => document.querySelector<HTMLElement>('#train-form')?.dataset.done === 'true',
      undefined,
      {
        timeout: 300_000,
      },
    );
    await page.click('#checkpoint-demo');
    await page.waitForFunction(
      () => document.querySelector('#checkpoint-status')?.textContent === 'Loaded the demo model.',
    );
    await page.fill('#sample-form [name="length"]', '128');
    await page.fill('#sample-form [name="steps"]', '32');
    await page.fill('#sample-form [name="seed"]', '7');
    await page.click('#sample-run');
    await page.waitForFunction(
      () => document.querySelector<HTMLElement>('#sample-output')?.dataset.done === 'true',
    );
    await page.click('#infill-run');
    await page.waitForFunction(
      () => document.querySelector<HTMLElement>('#infill-output')?.dataset.done === 'true',
    );
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const path = fileURLToPath(new URL('../docs/screenshot.png', import.meta.url));
    await page.screenshot({ path, fullPage: true });
    console.log(`wrote ${path}`);
    if (browser.errors.length > 0) console.warn('console errors:', browser.errors);
  } finally {
    await browser.close();
    await server.close();
  }
}
