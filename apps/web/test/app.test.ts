import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Browser, launchBrowser, openApp } from './browser';
import { runAndWait, setSampleControls, switchBackend } from './page-actions';

// One browser with WebGPU (SwiftShader) and WebGL (llvmpipe) for the whole file.
describe('the app in Chromium with WebGPU', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser('webgpu');
    page = await openApp(browser, inject('baseUrl'));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('loads the demo model without console errors, cross-origin isolated', async () => {
    expect(await page.textContent('#checkpoint-error')).toBe('');
    expect(await page.textContent('#model-info')).toMatch(/^Model: the demo model/);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.locator('#alpha-chart svg path').count()).toBe(5);
    expect(browser.errors).toEqual([]);
  });

  it('picks WebGPU and completes a short sample on it', async () => {
    expect(await page.getAttribute('#backend-active', 'data-backend')).toBe('webgpu');
    await setSampleControls(page, { length: 16, steps: 4, seed: 3 });
    const { text, status } = await runAndWait(page, '#sample-run', '#sample-output', '#sample-status');
    expect(status).toMatch(/^Done: 4 steps/);
    expect(text).toHaveLength(16);
    expect(text).toMatch(/^[a-z ]{16}$/);
    // One bar per step in the reveal chart, and every position revealed exactly once.
    const bars = await page.locator('#reveal-chart svg rect').count();
    expect(bars).toBeGreaterThan(0);
    expect(bars).toBeLessThanOrEqual(4);
    expect(browser.errors).toEqual([]);
  });

  it('infill keeps the fixed text and fills every marked position', async () => {
    expect(await switchBackend(page, 'wasm')).toBe('wasm');
    const template = 'the president ____ the congress on the ______ of the union';
    await page.fill('#infill-text', template);
    await setSampleControls(page, { steps: 8, seed: 5 });
    const { text, status } = await runAndWait(page, '#infill-run', '#infill-output', '#infill-status');
    expect(status).toMatch(/^Done/);
    expect(text).toHaveLength(template.length);
    for (let i = 0; i < template.length; i++) {
      if (template[i] === '_') expect(text[i]).toMatch(/[a-z ]/);
      else expect(text[i]).toBe(template[i]);
    }
  });

  it('marks the selected text as a span to fill (keyboard: Alt+M)', async () => {
    await page.fill('#infill-text', 'abc def ghi');
    await page.focus('#infill-text');
    await page.evaluate(() => document.querySelector<HTMLTextAreaElement>('#infill-text')!.setSelectionRange(4, 7));
    await page.keyboard.press('Alt+m');
    expect(await page.inputValue('#infill-text')).toBe('abc ___ ghi');
  });

  it('shows a clear error for a file that is not a checkpoint, and keeps the model', async () => {
    await page.setInputFiles('#checkpoint-file', {
      name: 'notes.safetensors',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('this is not a checkpoint at all'),
    });
    await page.waitForFunction(() => (document.querySelector('#checkpoint-error')?.textContent ?? '') !== '');
    const error = await page.textContent('#checkpoint-error');
    expect(error).toMatch(/^Could not load notes\.safetensors: .+/);
    expect(await page.getAttribute('#checkpoint-error', 'role')).toBe('alert');
    expect(await page.textContent('#model-info')).toMatch(/^Model: the demo model/);
  });

  it('a few training steps lower the loss, and the new model samples', async () => {
    await page.fill('#train-form [name="steps"]', '40');
    await page.fill('#train-form [name="batchSize"]', '8');
    await page.fill('#train-form [name="seqLength"]', '32');
    await page.fill('#train-form [name="learningRate"]', '0.01');
    await page.selectOption('#train-form [name="size"]', '1x32');
    await page.click('#train-run');
    await page.waitForFunction(
      () => {
        const form = document.querySelector<HTMLElement>('#train-form');
        return form?.dataset.done === 'true' || /failed/.test(document.querySelector('#train-status')?.textContent ?? '');
      },
      undefined,
      { timeout: 60_000 },
    );
    expect(await page.textContent('#train-status')).toMatch(/^Trained 40 steps/);
    const summary = (await page.getAttribute('#loss-chart svg', 'aria-label')) ?? '';
    const [, first, last] = /mean of the first steps ([\d.]+), of the last steps ([\d.]+)/.exec(summary) ?? [];
    expect(Number(last)).toBeLessThan(Number(first) - 0.2);
    expect(await page.textContent('#model-info')).toMatch(/^Model: trained in this browser/);
    await setSampleControls(page, { length: 32, steps: 8 });
    const { text } = await runAndWait(page, '#sample-run', '#sample-output', '#sample-status');
    expect(text).toMatch(/^[a-z ]{32}$/);
    expect(browser.errors).toEqual([]);
  });
});
