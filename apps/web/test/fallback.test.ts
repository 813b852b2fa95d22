import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { launchBrowser, openApp } from './browser';
import { runAndWait, setSampleControls, switchBackend } from './page-actions';

/** A 16-character, 4-step sample from the loaded model: what a visitor's Generate click does. */
async function sampleWorks(page: Page): Promise<void> {
  await setSampleControls(page, { length: 16, steps: 4, seed: 3 });
  const { text, status } = await runAndWait(page, '#sample-run', '#sample-output', '#sample-status');
  expect(status).toMatch(/^Done: 4 steps/);
  expect(text).toMatch(/^[a-z ]{16}$/);
}

// This machine's browsers have software GPUs only: WebGPU on SwiftShader, WebGL on llvmpipe.
describe('the automatic backend choice', () => {
  it('passes over the software WebGPU and WebGL adapters for wasm, and says why', async () => {
    const browser = await launchBrowser('webgpu');
    try {
      const page = await openApp(browser, inject('baseUrl'));
      expect(await page.getAttribute('#backend-active', 'data-backend')).toBe('wasm');
      const note = (await page.textContent('#backend-note')) ?? '';
      expect(note).toMatch(
        /^Skipped WebGPU: its adapter is a software renderer \(.*swiftshader.*\), slower than wasm/i,
      );
      expect(note).toMatch(/; WebGL: its adapter is a software renderer \(.*llvmpipe.*\), slower than wasm/i);
      await sampleWorks(page);
      expect(browser.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('without WebGPU, skips it with its reason; the embedding example samples', async () => {
    const browser = await launchBrowser('webgl');
    try {
      const page = await openApp(browser, inject('baseUrl'));
      expect(await page.getAttribute('#backend-active', 'data-backend')).toBe('wasm');
      expect(await page.textContent('#backend-note')).toMatch(
        /^Skipped WebGPU: this browser offers WebGPU but no graphics adapter for it .+; WebGL: its adapter is a software/,
      );
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

describe('a backend that cannot start', () => {
  it('at the start (?backend=webgpu without WebGPU): the app starts automatically, says so and loads the model', async () => {
    const browser = await launchBrowser('webgl');
    try {
      const page = await openApp(browser, inject('baseUrl'), 'webgpu');
      expect(await page.getAttribute('#backend-active', 'data-backend')).toBe('wasm');
      expect(await page.inputValue('#backend')).toBe('auto');
      expect(await page.textContent('#backend-note')).toMatch(
        /^WebGPU is not available: this browser (does not offer WebGPU|offers WebGPU but no graphics adapter for it)[^.]*\. Using wasm instead\./,
      );
      // Said once: WebGPU is not listed again among the backends the automatic choice skipped.
      expect(await page.textContent('#backend-note')).not.toMatch(/Skipped WebGPU/);
      expect(await page.textContent('#model-info')).toMatch(/^Model: the demo model/);
      expect(await page.textContent('#checkpoint-error')).toBe('');
      await sampleWorks(page);

      // Picked later from the header: the app stays on the backend that works, with its model.
      expect(await switchBackend(page, 'cpu')).toBe('cpu');
      expect(await switchBackend(page, 'webgpu')).toBe('cpu');
      expect(await page.inputValue('#backend')).toBe('cpu');
      expect(await page.textContent('#backend-note')).toMatch(
        /^WebGPU is not available: .*Using cpu instead\./,
      );
      expect(await page.isEnabled('#sample-run')).toBe(true);
      await sampleWorks(page);
      expect(browser.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
