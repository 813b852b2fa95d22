import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Browser, launchBrowser, openApp } from './browser';

/**
 * The same numbers on every backend, with the bundled demo model.
 * Tolerance for logits: max |a - b| <= LOGIT_TOLERANCE against cpu (float32 everywhere; the GPU
 * backends use their own exp/rsqrt and summation order, which moves logits by ~1e-5..1e-4).
 */
const LOGIT_TOLERANCE = 1e-4;
const LENGTH = 24;

describe('backends agree', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser('webgpu');
    page = await openApp(browser, inject('baseUrl'), 'cpu');
  });
  afterAll(async () => {
    await browser?.close();
  });

  it(`one forward pass gives the same logits on webgpu, webgl, wasm and cpu (max abs diff <= ${LOGIT_TOLERANCE})`, async () => {
    const result = await page.evaluate(async (length) => {
      const { client, state } = window.md4!;
      const V = state.model!.vocabSize;
      // Half the positions masked, the rest a fixed pattern of letters and spaces.
      const tokens = Int32Array.from({ length }, (_, i) => (i % 2 === 0 ? V : (i * 7) % V));
      const out: Record<string, { backend: string; logits: number[]; shape: number[] }> = {};
      for (const name of ['cpu', 'wasm', 'webgl', 'webgpu']) {
        await client.setBackend(name as 'cpu');
        const r = await client.forward(tokens, 0.5);
        out[name] = { backend: r.backend, logits: Array.from(r.logits), shape: r.shape };
      }
      return out;
    }, LENGTH);
    const ref = result.cpu!;
    expect(ref.shape).toEqual([1, LENGTH, expect.any(Number)]);
    expect(ref.logits.every(Number.isFinite)).toBe(true);
    const report: Record<string, number> = {};
    for (const name of ['wasm', 'webgl', 'webgpu']) {
      const r = result[name]!;
      expect(r.backend).toBe(name);
      expect(r.shape).toEqual(ref.shape);
      let max = 0;
      for (let i = 0; i < ref.logits.length; i++)
        max = Math.max(max, Math.abs(r.logits[i]! - ref.logits[i]!));
      report[name] = max;
    }
    console.log('max |logit - cpu logit|:', JSON.stringify(report));
    for (const max of Object.values(report)) expect(max).toBeLessThanOrEqual(LOGIT_TOLERANCE);
  });

  it('a sample with a fixed seed is identical on wasm and cpu', async () => {
    const texts = await page.evaluate(async () => {
      const { client } = window.md4!;
      const settings = {
        length: 48,
        steps: 12,
        method: 'ancestral' as const,
        grid: 'cosine' as const,
        topP: 0.9,
        temperature: 1,
        seed: 1234,
      };
      const out: Record<string, string> = {};
      for (const name of ['wasm', 'cpu'] as const) {
        await client.setBackend(name);
        out[name] = (await client.sample(settings)).text;
      }
      return out;
    });
    expect(texts.wasm).toHaveLength(48);
    expect(texts.wasm).toBe(texts.cpu);
  });
});
