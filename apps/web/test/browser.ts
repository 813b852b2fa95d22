import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type ConsoleMessage, chromium, type Page } from 'playwright-core';

/** Debian's chromium package (never `playwright install`); override with CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function assertChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The browser tests drive Debian's chromium: install it with ` +
        '`apt-get install -y chromium` (or set CHROMIUM_PATH to a Chromium binary).',
    );
  }
}

/** Flags every run needs here (DESIGN.md section 4): no sandbox, nothing from the network. */
const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
/** WebGL on llvmpipe through ANGLE's EGL backend. */
const WEBGL_FLAGS = ['--use-gl=angle', '--use-angle=gl-egl', '--ignore-gpu-blocklist'];
/** WebGPU on SwiftShader (software Vulkan). */
const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];
/** No GPU process at all: neither WebGL (not even in workers) nor WebGPU. */
const NO_GPU_FLAGS = ['--disable-gpu', '--disable-software-rasterizer'];

/**
 * What the browser offers: 'webgpu' (WebGPU and WebGL), 'webgl' (WebGL only: WebGPU finds no adapter
 * without the unsafe flags), 'none' (neither).
 */
export type GpuMode = 'webgpu' | 'webgl' | 'none';
const GPU_FLAGS: Record<GpuMode, string[]> = {
  webgpu: [...WEBGL_FLAGS, ...WEBGPU_FLAGS],
  webgl: WEBGL_FLAGS,
  none: NO_GPU_FLAGS,
};

export interface Browser {
  context: BrowserContext;
  /** Console errors and uncaught page errors seen so far, on every page. */
  errors: string[];
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile. */
export async function launchBrowser(gpu: GpuMode): Promise<Browser> {
  assertChromium();
  const profile = mkdtempSync(join(tmpdir(), 'md4-web-chromium-'));
  const args = [...BASE_FLAGS, ...GPU_FLAGS[gpu]];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args,
    viewport: { width: 1280, height: 900 },
  });
  const errors: string[] = [];
  const onConsole = (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(m.text());
  };
  const watch = (page: Page) => {
    page.on('console', onConsole);
    page.on('pageerror', (e) => errors.push(String(e)));
    // The model runs in a Web Worker: its console counts too.
    page.on('worker', (w) => w.on('console', onConsole));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the app (optionally on a given backend) and waits until the demo model is loaded. */
export async function openApp(browser: Browser, baseUrl: string, backend?: string): Promise<Page> {
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(backend ? `${baseUrl}?backend=${backend}` : baseUrl);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 60_000 });
  return page;
}
