/**
 * Time to the first visible token and to a finished default sample (the demo model, the page's
 * defaults: 128 characters, 32 steps, ancestral, cosine grid) on wasm and on WebGL, in Debian's
 * Chromium. Serves dist/ (run `vite build` first: `pnpm --filter @md4/web bench` does both) with the
 * COOP/COEP headers of `vite preview`, so wasm runs threaded. Prints one JSON object.
 *
 * Per backend, in a fresh browser profile: the page opened until the demo model is loaded (`ready`),
 * then `--runs` samples (default 5) with seeds 1, 2, …: the first is cold (WebGL compiles its shaders
 * then), the rest warm. Each time is from the click on Generate, in the page's clock, to the first
 * character shown that is not a mask, and to the finished sample.
 *
 *   node scripts/run-ts.mjs scripts/first-token-bench.ts [--runs 5]
 */
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { preview } from 'vite';
import { type GpuMode, launchBrowser } from '../test/browser';

const root = fileURLToPath(new URL('..', import.meta.url));

interface SampleTiming {
  seed: number;
  firstTokenMs: number;
  finishedMs: number;
}

/** Clicks Generate and times, in the page, the first unmasked character and the finished sample. */
function timeOneSample(page: Page, seed: number): Promise<SampleTiming> {
  return page.evaluate(
    (seed) =>
      new Promise<SampleTiming>((resolve, reject) => {
        const output = document.querySelector<HTMLElement>('#sample-output')!;
        const status = document.querySelector<HTMLElement>('#sample-status')!;
        document.querySelector<HTMLInputElement>('#sample-form [name="seed"]')!.value = String(seed);
        let firstTokenMs = Number.NaN;
        let cleared = false;
        let start = 0;
        const observer = new MutationObserver(() => {
          const now = performance.now();
          // The previous sample stays shown until this run draws its row of masks.
          const shown = output.querySelector('span:not(.mask)') != null;
          if (!shown) cleared = true;
          if (cleared && shown && Number.isNaN(firstTokenMs)) firstTokenMs = now - start;
          if (output.dataset.done === 'true') {
            observer.disconnect();
            resolve({ seed, firstTokenMs, finishedMs: now - start });
          } else if (/failed/.test(status.textContent ?? '')) {
            observer.disconnect();
            reject(new Error(status.textContent ?? 'the sample failed'));
          }
        });
        observer.observe(output, { childList: true, subtree: true, attributes: true });
        setTimeout(() => reject(new Error(`no finished sample after 120 s: ${status.textContent}`)), 120_000);
        observer.observe(status, { childList: true, characterData: true, subtree: true });
        start = performance.now();
        document.querySelector<HTMLButtonElement>('#sample-run')!.click();
      }),
    seed,
  );
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number) => Math.round(x * 10) / 10;

async function measure(baseUrl: string, backend: 'wasm' | 'webgl', gpu: GpuMode, runs: number) {
  const browser = await launchBrowser(gpu);
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const opened = Date.now();
    await page.goto(`${baseUrl}?backend=${backend}`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 120_000 });
    const readyMs = Date.now() - opened;
    const active = await page.getAttribute('#backend-active', 'data-backend');
    if (active !== backend) throw new Error(`asked for ${backend}, the page runs on ${active}`);
    const samples: SampleTiming[] = [];
    for (let seed = 1; seed <= runs; seed++) samples.push(await timeOneSample(page, seed));
    const warm = samples.slice(1);
    return {
      backend,
      userAgent: await page.evaluate(() => navigator.userAgent),
      note: (await page.textContent('#backend-note'))?.trim(),
      pageToModelReadyMs: readyMs,
      cold: { firstTokenMs: round(samples[0]!.firstTokenMs), finishedMs: round(samples[0]!.finishedMs) },
      warmMedian:
        warm.length > 0
          ? {
              firstTokenMs: round(median(warm.map((s) => s.firstTokenMs))),
              finishedMs: round(median(warm.map((s) => s.finishedMs))),
            }
          : null,
      runs: samples.map((s) => ({
        ...s,
        firstTokenMs: round(s.firstTokenMs),
        finishedMs: round(s.finishedMs),
      })),
      consoleErrors: browser.errors,
    };
  } finally {
    await browser.close();
  }
}

export async function main(args: string[]): Promise<void> {
  const at = args.indexOf('--runs');
  const runs = at >= 0 ? Number(args[at + 1]) : 5;
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a whole number >= 1, got ${args[at + 1]}`);
  const server = await preview({
    root,
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port: 4498 },
  });
  try {
    const baseUrl = server.resolvedUrls?.local[0];
    if (!baseUrl) throw new Error('vite preview did not report its URL');
    const results = [];
    // wasm in a browser with no GPU process (as the tests run it); WebGL on llvmpipe through ANGLE.
    results.push(await measure(baseUrl, 'wasm', 'none', runs));
    results.push(await measure(baseUrl, 'webgl', 'webgl', runs));
    console.log(
      JSON.stringify(
        {
          bench: 'web first token',
          model: 'demo checkpoint (public/checkpoints/demo)',
          sample: { length: 128, steps: 32, method: 'ancestral', grid: 'cosine' },
          cpu: cpus()[0]?.model,
          cores: cpus().length,
          results,
        },
        null,
        2,
      ),
    );
  } finally {
    await server.close();
  }
}
