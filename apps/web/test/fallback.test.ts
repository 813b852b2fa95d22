import { describe, expect, inject, it } from 'vitest';
import { launchBrowser, openApp } from './browser';

describe('the automatic backend choice without WebGPU', () => {
  it('falls back to WebGL and says why WebGPU was skipped', async () => {
    const browser = await launchBrowser('webgl');
    try {
      const page = await openApp(browser, inject('baseUrl'));
      expect(await page.getAttribute('#backend-active', 'data-backend')).toBe('webgl');
      expect(await page.textContent('#backend-note')).toMatch(/^Skipped WebGPU: /);
      expect(await page.textContent('#checkpoint-error')).toBe('');
      expect(browser.errors).toEqual([]);

      // The embedding example streams a sample from the same worker client.
      await page.goto(`${inject('baseUrl')}examples/embed.html`);
      await page.waitForFunction(
        () => / steps in /.test(document.querySelector('#status')?.textContent ?? ''),
        undefined,
        {
          timeout: 60_000,
        },
      );
      expect(await page.textContent('#out')).toMatch(/^[a-z ]{96}$/);
      expect(browser.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('falls back to wasm when the browser has neither WebGPU nor WebGL', async () => {
    const browser = await launchBrowser('none');
    try {
      const page = await openApp(browser, inject('baseUrl'));
      expect(await page.getAttribute('#backend-active', 'data-backend')).toBe('wasm');
      expect(await page.textContent('#backend-note')).toMatch(/WebGPU: .+; WebGL: /);
      expect(await page.textContent('#checkpoint-error')).toBe('');
    } finally {
      await browser.close();
    }
  });
});
