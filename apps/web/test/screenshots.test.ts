import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OFFLINE_NOTE } from '../src/ui/network-note';
import { type Browser, launchBrowser, openApp } from './browser';
import { tinyGpt2Folder, writeModelFolder } from './mdlm-fixture';
import { runAndWait, setSampleControls } from './page-actions';

/**
 * A screenshot of each state of the app, written to docs/states/<state>.png by every run of this file
 * (the README links them; look at them after changing the page). Each is taken once the page shows
 * its state; a state that passes on its own (loading, sampling, training) is checked again after the
 * capture, so the picture cannot show the next one. Light colour scheme, wasm (no GPU in the browser),
 * 1280 px wide, then 390 px for the phone layout.
 */
const STATES_DIR = fileURLToPath(new URL('../docs/states/', import.meta.url));

async function capture(target: Page | Locator, state: string): Promise<void> {
  const path = `${STATES_DIR}${state}.png`;
  await target.screenshot({ path, animations: 'disabled' });
}

const text = async (page: Page, selector: string) => (await page.textContent(selector)) ?? '';

/** Waits until `selector`'s text matches `pattern` (a regular expression's source). */
async function waitForText(page: Page, selector: string, pattern: string, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    ({ selector, pattern }) => new RegExp(pattern).test(document.querySelector(selector)?.textContent ?? ''),
    { selector, pattern },
    { timeout },
  );
}

describe('screenshots of every state (docs/states/)', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(STATES_DIR, { recursive: true });
    browser = await launchBrowser('none');
  });
  afterAll(async () => {
    await browser?.context.setOffline(false).catch(() => undefined);
    await browser?.close();
  });

  it('failure-backend: WebGPU asked for in a browser without it, and the app on wasm instead', async () => {
    page = await openApp(browser, inject('baseUrl'), 'webgpu');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await text(page, '#backend-note')).toMatch(/^WebGPU is not available: .*Using wasm instead\./);
    expect(await text(page, '#model-info')).toMatch(/^Model: the demo model/);
    await capture(page, 'failure-backend');
  });

  it('sampling (ReMDM revising a sample, 1000 steps) and stopped', async () => {
    const generate = page.locator('#generate');
    await setSampleControls(page, { length: 128, steps: 1000, seed: 7, method: 'remdm' });
    await page.click('#sample-run');
    await waitForText(page, '#sample-status', '^Step [3-9]\\d\\d of 1000');
    await capture(generate, 'sampling');
    expect(await text(page, '#sample-status')).toMatch(/^Step \d+ of 1000/);
    await page.click('#sample-stop');
    await waitForText(page, '#sample-status', '^(Stopped\\.|Done)');
    expect(await text(page, '#sample-status')).toBe('Stopped.');
    await capture(generate, 'stopped');
  });

  it('sampled: the default sample, coloured by the step that revealed each character', async () => {
    await page.selectOption('#sample-form [name="method"]', 'ancestral');
    await setSampleControls(page, { length: 128, steps: 32, seed: 7 });
    const { status } = await runAndWait(page, '#sample-run', '#sample-output', '#sample-status');
    expect(status).toMatch(/^Done: 32 steps/);
    await capture(page.locator('#generate'), 'sampled');
  });

  it('infilled: the example text with its blanks filled', async () => {
    const { status, text: filled } = await runAndWait(
      page,
      '#infill-run',
      '#infill-output',
      '#infill-status',
    );
    expect(status).toMatch(/^Done: /);
    expect(filled).not.toContain('_');
    await capture(page.locator('#infill'), 'infilled');
  });

  it('loading: an MDLM folder (GPT-2 vocabulary) streaming in, then its GPT-2 text', async () => {
    const hub = await tinyGpt2Folder();
    writeModelFolder('gpt2-tiny', hub.configJson, hub.weights);
    // Served slowly (~1.6 MB/s: fixture-server.ts), so the bar is seen part-way.
    const url = `${inject('fixturesUrl')}slow/gpt2-tiny/`;
    await page.fill('#checkpoint-url', url);
    await page.click('#url-form button[type="submit"]');
    await waitForText(page, '#checkpoint-progress-text', 'MB of .*\\(([2-8]\\d)%\\)');
    await capture(page.locator('#checkpoint'), 'loading');
    expect(await page.isVisible('#checkpoint-progress-row')).toBe(true);
    await waitForText(page, '#checkpoint-status', '^Loaded ');
    expect(await text(page, '#checkpoint-error')).toBe('');
    await setSampleControls(page, { length: 32, steps: 8, seed: 3 });
    const { status } = await runAndWait(page, '#sample-run', '#sample-output', '#sample-status');
    expect(status).toMatch(/^Done: 8 steps/);
    expect(await text(page, '#model-info')).toMatch(/gpt2 tokens \(V = 50257\)/);
    await capture(page.locator('#generate'), 'mdlm-gpt2');
  });

  it('failure-checkpoint: a URL with no model behind it, and the model in use kept', async () => {
    await page.fill('#checkpoint-url', `${inject('fixturesUrl')}no-such-model/`);
    await page.click('#url-form button[type="submit"]');
    await page.waitForFunction(() => (document.querySelector('#checkpoint-error')?.textContent ?? '') !== '');
    expect(await text(page, '#checkpoint-error')).toMatch(/^Could not load .*no-such-model/);
    await capture(page.locator('#checkpoint'), 'failure-checkpoint');
  });

  it('training: the loss curve part-way through, then stopped', async () => {
    await page.click('#checkpoint-demo');
    await waitForText(page, '#checkpoint-status', '^Loaded the demo model');
    await page.fill('#train-form [name="steps"]', '400');
    await page.click('#train-run');
    await waitForText(page, '#train-status', '^Step (1[5-9]\\d|[23]\\d\\d) of 400', 120_000);
    const train = page.locator('#train');
    await capture(train, 'training');
    expect(await text(page, '#train-status')).toMatch(/^Step \d+ of 400/);
    await page.click('#train-stop');
    await page.waitForFunction(
      () => document.querySelector<HTMLElement>('#train-form')?.dataset.done === 'true',
    );
    expect(await text(page, '#train-status')).toMatch(/^Trained \d+ steps \(stopped early\)/);
    await capture(train, 'trained');
  });

  it('offline: the app reloaded with no network, from the copy its service worker keeps', async () => {
    await page.waitForFunction(() => navigator.serviceWorker.controller != null, undefined, {
      timeout: 60_000,
    });
    await browser.context.setOffline(true);
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 60_000 });
    expect(await text(page, '#network-note')).toBe(OFFLINE_NOTE);
    expect(await text(page, '#model-info')).toMatch(/^Model: the demo model/);
    // A reload keeps the scroll position; the header is what this picture is for.
    await page.evaluate(() => window.scrollTo(0, 0));
    await capture(page, 'offline');
    await browser.context.setOffline(false);
  });

  it('mobile: the whole page at 390 px, nothing wider than the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(inject('baseUrl'));
    await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 60_000 });
    await runAndWait(page, '#sample-run', '#sample-output', '#sample-status');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${STATES_DIR}mobile.png`, fullPage: true, animations: 'disabled' });
    expect(browser.errors).toEqual([]);
  });
});
