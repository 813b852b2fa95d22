import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gpt2Tokenizer } from '@md4/datasets/gpt2';
import { createDDiT, dditLayout, resolveDDiTConfig, serializeMdlm } from '@md4/models';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Browser, launchBrowser, openApp } from './browser';
import { REFUSE_MARKER } from './fixture-server';
import { TINY_GPT2_DDIT, tinyGpt2Folder, writeModelFolder } from './mdlm-fixture';
import { runAndWait, setSampleControls } from './page-actions';

/** Loads a URL with the panel's form and waits until it loaded, failed or was cancelled. */
async function loadUrl(page: Page, url: string, wait = true): Promise<void> {
  await page.fill('#checkpoint-url', url);
  await page.click('#url-form button[type="submit"]');
  if (wait) await waitForLoad(page);
}

async function waitForLoad(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      /^Loaded |cancelled/.test(document.querySelector('#checkpoint-status')?.textContent ?? '') ||
      (document.querySelector('#checkpoint-error')?.textContent ?? '') !== '',
    undefined,
    { timeout: 60_000 },
  );
}

const modelInfo = (page: Page) => page.textContent('#model-info');

/** Records every text the progress output shows from now on (in `window.progressSeen`). */
async function watchProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { progressSeen: string[] }).progressSeen = seen;
    const out = document.querySelector('#checkpoint-progress-text')!;
    new MutationObserver(() => seen.push(out.textContent ?? '')).observe(out, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
}

const progressSeen = (page: Page) =>
  page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);

describe('MDLM hub folders (GPT-2 vocabulary) in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let hub: { configJson: string; weights: Uint8Array };
  let tinyUrl: string;

  beforeAll(async () => {
    hub = await tinyGpt2Folder();
    tinyUrl = writeModelFolder('gpt2-tiny', hub.configJson, hub.weights);
    const bert = { ...JSON.parse(hub.configJson), model_type: 'bert' };
    writeModelFolder('bert', JSON.stringify(bert), hub.weights);
    // A DDiT whose folder does not say which tokenizer its 27 ids belong to.
    const small = createDDiT({ ...TINY_GPT2_DDIT, vocabSize: 27, seqLen: 16 }, { seed: 2 });
    const anonymous = await serializeMdlm(small, { tokenizer: null });
    small.dispose();
    writeModelFolder('no-tokenizer', anonymous.configJson, anonymous.weights);

    // No GPU: the wasm backend is the quickest on this machine's CPUs.
    browser = await launchBrowser('none');
    page = await openApp(browser, inject('baseUrl'), 'wasm');
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('loads a folder by URL with the progress bar reaching 100%, and shows what the model is', async () => {
    await watchProgress(page);
    await loadUrl(page, tinyUrl);
    expect(await page.textContent('#checkpoint-error')).toBe('');
    expect(await page.textContent('#checkpoint-status')).toBe(`Loaded ${tinyUrl}.`);
    const mb = (hub.weights.length / 1e6).toFixed(1);
    const seen = await progressSeen(page);
    expect(seen[0]).toBe('Starting…');
    expect(seen.at(-1)).toBe(`${mb} MB of ${mb} MB (100%)`);
    expect(seen.length).toBeGreaterThan(2);
    // The bar goes away once the model is in use.
    expect(await page.isHidden('#checkpoint-progress-row')).toBe(true);
    expect(await modelInfo(page)).toMatch(
      /MDLM DDiT, 1 layer × 16 \(2 heads\), [\d.]+M parameters, gpt2 tokens \(V = 50257\), up to 64 positions, trained with the linear schedule/,
    );
    // The length field follows the model: at most its 64 positions, 64 by default.
    expect(await page.getAttribute('#sample-form [name="length"]', 'max')).toBe('64');
    expect(await page.inputValue('#sample-form [name="length"]')).toBe('64');
    expect(browser.errors).toEqual([]);
  });

  it('Generate writes GPT-2 text of the requested length (decoded with the GPT-2 tokenizer)', async () => {
    await setSampleControls(page, { length: 24, steps: 4, seed: 3 });
    const { status } = await runAndWait(page, '#sample-run', '#sample-output', '#sample-status');
    expect(status).toMatch(/^Done: 4 steps/);
    expect(await page.locator('#sample-output span').count()).toBe(24);
    expect(await page.locator('#sample-output span.mask').count()).toBe(0);
    const result = await page.evaluate(async () => {
      const r = await window.md4!.client.sample({
        length: 24,
        steps: 4,
        method: 'ancestral',
        grid: 'cosine',
        topP: 1,
        temperature: 1,
        seed: 3,
      });
      return { tokens: Array.from(r.tokens), text: r.text };
    });
    expect(result.tokens).toHaveLength(24);
    expect(result.tokens.every((t) => Number.isInteger(t) && t >= 0 && t < 50257)).toBe(true);
    expect(result.text).toBe(gpt2Tokenizer.decode(result.tokens));
    expect(result.text.length).toBeGreaterThan(0);
    expect(browser.errors).toEqual([]);
  });

  it('Infill takes GPT-2 text: each █ is one token to fill, the rest is kept token for token', async () => {
    const before = 'The president of the United States';
    const after = ' the Congress';
    await page.fill('#infill-text', `${before}${'█'.repeat(5)}${after}`);
    expect(await page.textContent('#infill-placeholder')).toBe('█');
    await setSampleControls(page, { steps: 4, seed: 5 });
    const { status, text } = await runAndWait(page, '#infill-run', '#infill-output', '#infill-status');
    expect(status).toMatch(/^Done: /);
    const kept = [gpt2Tokenizer.encode(before), gpt2Tokenizer.encode(after)];
    expect(await page.locator('#infill-output span').count()).toBe(kept[0]!.length + 5 + kept[1]!.length);
    expect(await page.locator('#infill-output span.mask').count()).toBe(0);
    expect(text.startsWith(before)).toBe(true);
    expect(text.endsWith(after)).toBe(true);
    expect(browser.errors).toEqual([]);
  });

  it('Cancel stops a slow download; the previous model stays and still samples', async () => {
    const before = await modelInfo(page);
    const slowUrl = tinyUrl.replace(inject('fixturesUrl'), `${inject('fixturesUrl')}slow/`);
    await loadUrl(page, slowUrl, false);
    await page.waitForFunction(() =>
      /\(([1-9]|[1-9]\d)%\)$/.test(document.querySelector('#checkpoint-progress-text')?.textContent ?? ''),
    );
    expect(await page.isEnabled('#checkpoint-cancel')).toBe(true);
    await page.click('#checkpoint-cancel');
    await waitForLoad(page);
    expect(await page.textContent('#checkpoint-status')).toBe(
      `Loading ${slowUrl} was cancelled; still using ${tinyUrl}.`,
    );
    expect(await page.textContent('#checkpoint-error')).toBe('');
    expect(await page.isHidden('#checkpoint-progress-row')).toBe(true);
    expect(await modelInfo(page)).toBe(before);
    await setSampleControls(page, { length: 16, steps: 2 });
    const { status } = await runAndWait(page, '#sample-run', '#sample-output', '#sample-status');
    expect(status).toMatch(/^Done: 2 steps/);
    expect(await page.locator('#sample-output span').count()).toBe(16);
    expect(browser.errors).toEqual([]);
  });

  it('loads the two files of the folder picked together', async () => {
    await page.click('#checkpoint-demo');
    await page.waitForFunction(() =>
      /the demo model/.test(document.querySelector('#model-info')?.textContent ?? ''),
    );
    await page.setInputFiles('#checkpoint-file', [
      { name: 'config.json', mimeType: 'application/json', buffer: Buffer.from(hub.configJson) },
      { name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(hub.weights) },
    ]);
    await waitForLoad(page);
    expect(await page.textContent('#checkpoint-error')).toBe('');
    expect(await page.textContent('#checkpoint-status')).toBe('Loaded config.json + model.safetensors.');
    expect(await modelInfo(page)).toMatch(
      /^Model: config\.json \+ model\.safetensors\. MDLM DDiT, 1 layer × 16/,
    );
    expect(browser.errors).toEqual([]);
  });

  it('downloads the MDLM model as its hub folder (.zip), which loads back', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#checkpoint-download')]);
    expect(download.suggestedFilename()).toBe('mdlm-model.zip');
    const buffer = await readFile(await download.path());
    await page.setInputFiles('#checkpoint-file', {
      name: 'mdlm-model.zip',
      mimeType: 'application/zip',
      buffer,
    });
    await waitForLoad(page);
    expect(await page.textContent('#checkpoint-error')).toBe('');
    expect(await modelInfo(page)).toMatch(/^Model: mdlm-model\.zip\. MDLM DDiT, 1 layer × 16/);
  });

  it('a config.json of another model type (model_type "bert") gets a clear error; the model stays', async () => {
    const before = await modelInfo(page);
    const url = `${inject('fixturesUrl')}bert/`;
    await loadUrl(page, url);
    expect(await page.textContent('#checkpoint-error')).toBe(
      `Could not load ${url}: its config.json describes a model of type "bert", which this page cannot run: ` +
        'it runs MDLM models (model_type "mdlm", from Hugging Face) and checkpoints of the md4 CLI',
    );
    expect(await page.isHidden('#checkpoint-progress-row')).toBe(true);
    expect(await modelInfo(page)).toBe(before);
  });

  it('an MDLM text8 model keeps its weights when the backend changes (wasm -> cpu -> wasm)', async () => {
    // Random weights everywhere (the output layer too), so the logits depend on every tensor.
    const config = resolveDDiTConfig({ ...TINY_GPT2_DDIT, vocabSize: 27, seqLen: 16 });
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5;
    };
    const weights = new Map(
      dditLayout(config).map((p) => [
        p.name,
        Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, random),
      ]),
    );
    const ddit = createDDiT(config, { weights });
    const text8 = await serializeMdlm(ddit, { tokenizer: 'text8' });
    ddit.dispose();
    await loadUrl(page, writeModelFolder('text8-random', text8.configJson, text8.weights));
    expect(await page.textContent('#checkpoint-error')).toBe('');
    expect(await modelInfo(page)).toMatch(
      /MDLM DDiT, 1 layer × 16 .* text8 tokens \(V = 27\), up to 16 positions/,
    );
    const result = await page.evaluate(async () => {
      const { client } = window.md4!;
      const tokens = Int32Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 27 : (i * 5) % 27));
      const out: Record<string, number[]> = {};
      for (const name of ['wasm', 'cpu', 'wasm'] as const) {
        await client.setBackend(name);
        out[`${name}${Object.keys(out).length}`] = Array.from((await client.forward(tokens, 0.5)).logits);
      }
      return Object.values(out);
    });
    const [first, cpu, again] = result as [number[], number[], number[]];
    expect(first.length).toBe(12 * 27);
    expect(new Set(first.map((x) => x.toFixed(3))).size).toBeGreaterThan(100);
    const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
    expect(maxDiff(first, cpu)).toBeLessThan(1e-4);
    expect(maxDiff(first, again)).toBeLessThan(1e-4);
  });

  it('a model whose folder names no tokenizer gets one message in plain words', async () => {
    const before = await modelInfo(page);
    await loadUrl(page, `${inject('fixturesUrl')}no-tokenizer/config.json`);
    expect(await page.textContent('#checkpoint-error')).toMatch(
      /: this model does not say how its 27 token ids become text \(its config\.json names no tokenizer\), so this page cannot show what it writes/,
    );
    expect(await modelInfo(page)).toBe(before);
  });
  it('a folder loaded by URL is kept in the browser cache: after a reload it loads again with the server refusing it', async () => {
    const url = writeModelFolder('cached', hub.configJson, hub.weights);
    await loadUrl(page, url);
    expect(await page.textContent('#checkpoint-error')).toBe('');
    expect(await page.textContent('#checkpoint-status')).toBe(`Loaded ${url}.`);
    // The worker keeps the files while the load reads them; wait until both are in the cache.
    const cached = await page.evaluate(async (folder) => {
      const cache = await caches.open('md4-models');
      for (let i = 0; i < 200; i++) {
        const [c, w] = await Promise.all(
          ['config.json', 'model.safetensors'].map((f) => cache.match(folder + f)),
        );
        if (c && w)
          return { length: w.headers.get('content-length'), bytes: (await w.arrayBuffer()).byteLength };
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return null;
    }, url);
    expect(cached).toEqual({ length: String(hub.weights.length), bytes: hub.weights.length });

    // The server now refuses the folder (drops the connection), and the page starts afresh.
    writeFileSync(join(inject('fixturesDir'), 'cached', REFUSE_MARKER), '');
    const refused = await page.evaluate(
      (u) =>
        fetch(`${u}config.json`).then(
          () => 'served',
          () => 'refused',
        ),
      url,
    );
    expect(refused).toBe('refused');
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 60_000 });
    await watchProgress(page);
    await loadUrl(page, url);
    expect(await page.textContent('#checkpoint-error')).toBe('');
    expect(await page.textContent('#checkpoint-status')).toBe(`Loaded ${url} (from the browser cache).`);
    const mb = (hub.weights.length / 1e6).toFixed(1);
    expect((await progressSeen(page)).at(-1)).toBe(`${mb} MB of ${mb} MB (100%)`);
    expect(await modelInfo(page)).toMatch(/MDLM DDiT, 1 layer × 16 \(2 heads\), .*gpt2 tokens \(V = 50257\)/);
    await setSampleControls(page, { length: 16, steps: 2 });
    const { status } = await runAndWait(page, '#sample-run', '#sample-output', '#sample-status');
    expect(status).toMatch(/^Done: 2 steps/);
    // The refused requests show up as "Failed to load resource"; nothing else may.
    expect(browser.errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});
