import { describe, expect, inject, it } from 'vitest';
import { OFFLINE_NOTE } from '../src/ui/network-note';
import { launchBrowser, openApp } from './browser';
import { runAndWait, setSampleControls, switchBackend } from './page-actions';

describe('offline after the first visit (the service worker)', () => {
  it('reloads, samples, switches to wasm, reloads the demo model and trains on the bundled corpus with no network', async () => {
    const browser = await launchBrowser('none');
    try {
      // First visit on cpu: the wasm binaries are never fetched by the page before going offline.
      const page = await openApp(browser, inject('baseUrl'), 'cpu');
      await page.waitForFunction(() => navigator.serviceWorker.controller != null, undefined, {
        timeout: 60_000,
      });
      const cached = await page.evaluate(async () => {
        const names = (await caches.keys()).filter((n) => n.startsWith('md4-app-'));
        const cache = await caches.open(names[0]!);
        return { names, files: (await cache.keys()).map((r) => new URL(r.url).pathname) };
      });
      expect(cached.names).toHaveLength(1);
      expect(cached.files).toEqual(expect.arrayContaining(['/', '/index.html', '/corpus/sotu-text8.txt']));
      expect(cached.files.filter((f) => f.endsWith('.wasm'))).toHaveLength(3);

      await browser.context.setOffline(true);
      expect(
        await page.evaluate(() =>
          fetch('/test-fixtures/nothing.json').then(
            () => 'online',
            () => 'offline',
          ),
        ),
      ).toBe('offline');
      // That probe's own console line ("Failed to load resource: net::ERR_INTERNET_DISCONNECTED").
      browser.errors.length = 0;
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, {
        timeout: 60_000,
      });
      expect(await page.textContent('#model-info')).toMatch(/^Model: the demo model/);
      expect(await page.textContent('#checkpoint-error')).toBe('');
      // The header says the app is offline and what still works.
      expect(await page.isVisible('#network-note')).toBe(true);
      expect(await page.textContent('#network-note')).toBe(OFFLINE_NOTE);

      expect(await switchBackend(page, 'wasm')).toBe('wasm');
      await setSampleControls(page, { length: 32, steps: 8, seed: 2 });
      const sample = await runAndWait(page, '#sample-run', '#sample-output', '#sample-status');
      expect(sample.status).toMatch(/^Done: /);
      expect(sample.text).toMatch(/^[a-z ]{32}$/);

      await page.click('#checkpoint-demo');
      await page.waitForFunction(() =>
        /^Loaded the demo model/.test(document.querySelector('#checkpoint-status')?.textContent ?? ''),
      );
      expect(await page.textContent('#checkpoint-error')).toBe('');

      await page.fill('#train-form [name="steps"]', '3');
      await page.selectOption('#train-form [name="size"]', '1x32');
      await page.click('#train-run');
      await page.waitForFunction(
        () =>
          document.querySelector<HTMLElement>('#train-form')?.dataset.done === 'true' ||
          /failed/.test(document.querySelector('#train-status')?.textContent ?? ''),
        undefined,
        { timeout: 60_000 },
      );
      expect(await page.textContent('#train-status')).toMatch(/^Trained 3 steps/);
      expect(browser.errors).toEqual([]);

      // Back online, the note goes away.
      await browser.context.setOffline(false);
      await page.waitForFunction(() => document.querySelector<HTMLElement>('#network-note')?.hidden === true);
    } finally {
      await browser.context.setOffline(false).catch(() => undefined);
      await browser.close();
    }
  });
});
