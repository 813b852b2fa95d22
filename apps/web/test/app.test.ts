import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { contrastRatio, parseRgb, TEXT_CONTRAST } from '../src/ui/step-colors';
import { type Browser, launchBrowser, openApp } from './browser';
import { runAndWait, setSampleControls, switchBackend } from './page-actions';

// One browser with WebGPU (SwiftShader) and WebGL (llvmpipe) for the whole file.
describe('the app in Chromium with WebGPU', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser('webgpu');
    // WebGPU by name: the automatic choice passes over SwiftShader's software adapter (fallback.test.ts).
    page = await openApp(browser, inject('baseUrl'), 'webgpu');
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

  it('starts on WebGPU when asked by name, software adapter or not, and completes a short sample on it', async () => {
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

  it('the Stop button stops a run (on WebGPU, between steps)', async () => {
    await setSampleControls(page, { length: 128, steps: 1000, seed: 1 });
    await page.click('#sample-run');
    await page.waitForFunction(() =>
      /^Step \d+ of 1000/.test(document.querySelector('#sample-status')?.textContent ?? ''),
    );
    await page.click('#sample-stop');
    await page.waitForFunction(() => document.querySelector('#sample-status')?.textContent === 'Stopped.');
    expect(await page.isDisabled('#sample-stop')).toBe(true);
    expect(await page.isEnabled('#sample-run')).toBe(true);
  });

  for (const backend of ['webgpu', 'webgl', 'wasm', 'cpu']) {
    it(`Stop stops Generate and Infill on ${backend}, and the status says so`, async () => {
      expect(await switchBackend(page, backend)).toBe(backend);
      await setSampleControls(page, { length: 128, steps: 1000, seed: 1 });
      await page.fill('#infill-text', `the state of the union ${'_'.repeat(100)}`);
      for (const [run, stop, status] of [
        ['#sample-run', '#sample-stop', '#sample-status'],
        ['#infill-run', '#infill-stop', '#infill-status'],
      ] as const) {
        // Stop is pressed from the page as soon as the first step is shown: on wasm a run that
        // skips steps revealing nothing ends in well under a second, too soon for a click from here.
        await page.evaluate(
          ({ stop, status }) => {
            const shown = document.querySelector(status)!;
            const observer = new MutationObserver(() => {
              if (!/^Step \d+ of 1000/.test(shown.textContent ?? '')) return;
              observer.disconnect();
              document.querySelector<HTMLButtonElement>(stop)!.click();
            });
            observer.observe(shown, { childList: true, characterData: true, subtree: true });
          },
          { stop, status },
        );
        await page.click(run);
        await page.waitForFunction(
          (status) => /^(Stopped\.|Done)/.test(document.querySelector(status)?.textContent ?? ''),
          status,
        );
        expect(await page.textContent(status)).toBe('Stopped.');
        expect(await page.isDisabled(stop)).toBe(true);
        expect(await page.isEnabled(run)).toBe(true);
      }
      expect(browser.errors).toEqual([]);
    });
  }

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

  it('every sampling method completes, with its transfer and remasking settings', async () => {
    const texts = await page.evaluate(async () => {
      const out: Record<string, string> = {};
      const base = { length: 24, steps: 6, grid: 'uniform' as const, topP: 1, temperature: 1, seed: 2 };
      const runs = [
        { method: 'ancestral' },
        { method: 'mean' },
        { method: 'confidence' },
        { method: 'confidence', transfer: 'threshold', rank: 'margin', threshold: 0.5 },
        { method: 'confidence', transfer: 'even', rank: 'entropy' },
        { method: 'first-hitting' },
        { method: 'remdm', remask: 'loop', eta: 0.05 },
        { method: 'remdm', remask: 'conf' },
      ] as const;
      for (const run of runs) {
        out[JSON.stringify(run)] = (await window.md4!.client.sample({ ...base, ...run })).text;
      }
      return out;
    });
    expect(Object.keys(texts)).toHaveLength(8);
    for (const text of Object.values(texts)) expect(text).toMatch(/^[a-z ]{24}$/);
  });

  it('the method picker lists every method with its summary and disables the fields it does not read', async () => {
    const methods = await page.$$eval('#sample-form [name="method"] option', (options) =>
      options.map((o) => (o as HTMLOptionElement).value),
    );
    expect(methods).toEqual(['ancestral', 'mean', 'confidence', 'first-hitting', 'remdm']);
    const disabled = async () =>
      page.$$eval('#sample-form [name]', (fields) =>
        fields.filter((f) => (f as HTMLInputElement).disabled).map((f) => (f as HTMLInputElement).name),
      );
    onTestFinished(() => setSampleControls(page, { method: 'ancestral' }));
    await setSampleControls(page, { method: 'confidence' });
    expect(await disabled()).toEqual(['threshold', 'remask', 'eta']);
    await page.selectOption('#sample-form [name="transfer"]', 'threshold');
    expect(await disabled()).toEqual(['remask', 'eta']);
    await setSampleControls(page, { method: 'first-hitting' });
    expect(await disabled()).toEqual(['steps', 'transfer', 'rank', 'threshold', 'remask', 'eta', 'grid']);
    expect(await page.textContent('#method-summary')).toMatch(
      /^exact sampler in continuous time.+exactly L calls/,
    );
    await setSampleControls(page, { method: 'remdm' });
    await page.selectOption('#sample-form [name="remask"]', 'conf');
    expect(await disabled()).toEqual(['transfer', 'rank', 'threshold', 'eta']);
    await page.selectOption('#sample-form [name="remask"]', 'cap');
  });

  it('runs ReMDM from the page: the worker reports remasked positions, and none is left masked at the end', async () => {
    onTestFinished(() => setSampleControls(page, { method: 'ancestral' }));
    await setSampleControls(page, { method: 'remdm', length: 48, steps: 16, seed: 3 });
    await page.selectOption('#sample-form [name="remask"]', 'rescale');
    await page.fill('#sample-form [name="eta"]', '1');
    const remasks = await page.evaluate(async () => {
      let count = 0;
      const settings = {
        length: 48,
        steps: 16,
        method: 'remdm',
        remask: 'rescale',
        eta: 1,
        grid: 'uniform',
        topP: 1,
        temperature: 1,
        seed: 3,
      } as const;
      await window.md4!.client.sample(settings, { onStep: (e) => (count += e.remasked.length) });
      return count;
    });
    expect(remasks).toBeGreaterThan(0); // the worker reports the remasked positions the view shows as masked
    const { text, status } = await runAndWait(page, '#sample-run', '#sample-output', '#sample-status');
    expect(status).toMatch(/^Done/);
    expect(text).toMatch(/^[a-z ]{48}$/);
    expect(await page.locator('#sample-output .mask').count()).toBe(0);
  });

  it('marks the selected text as a span to fill (keyboard: Alt+M)', async () => {
    await page.fill('#infill-text', 'abc def ghi');
    await page.focus('#infill-text');
    await page.evaluate(() =>
      document.querySelector<HTMLTextAreaElement>('#infill-text')!.setSelectionRange(4, 7),
    );
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

  it('names a corrupted weights file (CRC-32 mismatch) when loading config.json + weights', async () => {
    const base = inject('baseUrl');
    const configText = await (await fetch(`${base}checkpoints/demo/config.json`)).text();
    const file = JSON.parse(configText).weights.file as string;
    const weights = Buffer.from(await (await fetch(`${base}checkpoints/demo/${file}`)).arrayBuffer());
    weights[weights.length - 5]! ^= 0xff;
    await page.setInputFiles('#checkpoint-file', [
      { name: 'config.json', mimeType: 'application/json', buffer: Buffer.from(configText) },
      { name: file, mimeType: 'application/octet-stream', buffer: weights },
    ]);
    await page.waitForFunction(() =>
      /CRC-32/.test(document.querySelector('#checkpoint-error')?.textContent ?? ''),
    );
    expect(await page.textContent('#checkpoint-error')).toMatch(
      /is corrupted or belongs to another checkpoint: CRC-32/,
    );
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
        return (
          form?.dataset.done === 'true' ||
          /failed/.test(document.querySelector('#train-status')?.textContent ?? '')
        );
      },
      undefined,
      { timeout: 60_000 },
    );
    expect(await page.textContent('#train-status')).toMatch(/^Trained 40 steps/);
    const summary = (await page.getAttribute('#loss-chart svg', 'aria-label')) ?? '';
    const [, first, last] =
      /mean of the first steps ([\d.]+), of the last steps ([\d.]+)/.exec(summary) ?? [];
    expect(Number(last)).toBeLessThan(Number(first) - 0.2);
    expect(await page.textContent('#model-info')).toMatch(/^Model: trained in this browser/);
    await setSampleControls(page, { length: 32, steps: 8 });
    const { text } = await runAndWait(page, '#sample-run', '#sample-output', '#sample-status');
    expect(text).toMatch(/^[a-z ]{32}$/);
    expect(browser.errors).toEqual([]);
  });

  it('downloads the trained model as a .zip that loads back', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#checkpoint-download')]);
    expect(download.suggestedFilename()).toBe('md4-checkpoint.zip');
    const buffer = await readFile(await download.path());
    await page.setInputFiles('#checkpoint-file', {
      name: 'md4-checkpoint.zip',
      mimeType: 'application/zip',
      buffer,
    });
    await page.waitForFunction(() =>
      /^Loaded /.test(document.querySelector('#checkpoint-status')?.textContent ?? ''),
    );
    expect(await page.textContent('#checkpoint-error')).toBe('');
    expect(await page.textContent('#model-info')).toMatch(/1 layer × 32/);
    expect(browser.errors).toEqual([]);
  });

  it('after training at the default length (64), Generate and Infill work with their default fields', async () => {
    // A fresh page: every field as a visitor finds it. Only the training run is kept short.
    page = await openApp(browser, inject('baseUrl'), 'wasm');
    expect(await page.inputValue('#train-form [name="seqLength"]')).toBe('64');
    expect((await page.inputValue('#infill-text')).length).toBeGreaterThan(64);
    await page.fill('#train-form [name="steps"]', '4');
    await page.selectOption('#train-form [name="size"]', '1x32');
    await page.click('#train-run');
    await page.waitForFunction(
      () => document.querySelector<HTMLElement>('#train-form')?.dataset.done === 'true',
    );
    expect(await page.inputValue('#sample-form [name="length"]')).toBe('64');
    expect(await page.getAttribute('#sample-form [name="length"]', 'max')).toBe('64');
    const sample = await runAndWait(page, '#sample-run', '#sample-output', '#sample-status');
    expect(sample.status).toMatch(/^Done: /);
    expect(sample.text).toMatch(/^[a-z ]{64}$/);

    const template = await page.inputValue('#infill-text');
    expect(template).toBe('the president of the united states ____________ the congress on');
    const filled = await runAndWait(page, '#infill-run', '#infill-output', '#infill-status');
    expect(filled.status).toMatch(/^Done: /);
    expect(filled.text).toHaveLength(template.length);
    for (let i = 0; i < template.length; i++)
      if (template[i] !== '_') expect(filled.text[i]).toBe(template[i]);

    // The visitor's own text is never cut: one that is too long is named, with how much to remove.
    await page.fill('#infill-text', `${template} the state of the ______`);
    await page.click('#infill-run');
    expect(await page.textContent('#infill-status')).toBe(
      'The text is 87 characters long and this model takes at most 64: shorten it by 23.',
    );
    // Capitals, digits and punctuation are cleaned to text8 in the field itself, masks kept.
    await page.fill('#infill-text', 'In 1990, the ______ said: "Hello!"');
    const cleaned = await runAndWait(page, '#infill-run', '#infill-output', '#infill-status');
    expect(await page.inputValue('#infill-text')).toBe('in one nine nine zero the ______ said hello');
    expect(cleaned.status).toMatch(/^Done: /);
    expect(cleaned.text).toMatch(/^in one nine nine zero the [a-z ]{6} said hello$/);
    expect(browser.errors).toEqual([]);
  });

  it('the URL field takes a URL relative to the page, and names an address that serves a page instead of a model', async () => {
    await page.fill('#checkpoint-url', 'checkpoints/demo/');
    await page.click('#url-form button[type="submit"]');
    await page.waitForFunction(() =>
      /^Loaded /.test(document.querySelector('#checkpoint-status')?.textContent ?? ''),
    );
    expect(await page.textContent('#model-info')).toMatch(/^Model: /);
    // The preview server answers unknown paths with the app's index.html, as single-page hosts do.
    await page.fill('#checkpoint-url', 'no-such-model/');
    await page.click('#url-form button[type="submit"]');
    await page.waitForFunction(() => (document.querySelector('#checkpoint-error')?.textContent ?? '') !== '');
    expect(await page.textContent('#checkpoint-error')).toMatch(
      /no-such-model\/.*config\.json is a web page \(HTML\), not a model's config: there is no model folder at this address/,
    );
    expect(await page.textContent('#model-info')).toMatch(/^Model: /);
  });

  it(`revealed text reads at ${TEXT_CONTRAST}:1 or more on light and dark pages, and breaks only at spaces`, async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await setSampleControls(page, { length: 128, steps: 16, seed: 5 });
      await runAndWait(page, '#sample-run', '#sample-output', '#sample-status');
      const { colors, background } = await page.evaluate(() => {
        const out = document.querySelector<HTMLElement>('#sample-output')!;
        const spans = [...out.querySelectorAll<HTMLElement>('span[data-step]')];
        return {
          colors: spans.map((s) => getComputedStyle(s).color),
          background: getComputedStyle(out).backgroundColor,
        };
      });
      expect(colors.length).toBeGreaterThan(64);
      const worst = Math.min(...colors.map((c) => contrastRatio(parseRgb(c), parseRgb(background))));
      expect(worst, `${colorScheme}: lowest contrast`).toBeGreaterThanOrEqual(TEXT_CONTRAST);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await page.$eval('#sample-output', (e) => getComputedStyle(e).overflowWrap)).toBe('anywhere');
    expect(await page.$eval('#sample-output', (e) => getComputedStyle(e).wordBreak)).toBe('normal');
  });

  it('at 390 px wide (a phone) no control overflows its card', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      const overflow = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('.card input, .card select, .card button, .card textarea')]
          .filter((e) => e.offsetParent != null)
          .map((e) => {
            const card = e.closest<HTMLElement>('.card')!.getBoundingClientRect();
            const box = e.getBoundingClientRect();
            return { id: e.id || e.getAttribute('name') || e.tagName, over: box.right - card.right };
          })
          .filter((e) => e.over > 0.5),
      );
      expect(overflow).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });
});
