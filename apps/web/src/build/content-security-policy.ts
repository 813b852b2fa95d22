import type { Plugin } from 'vite';

/**
 * The page's Content-Security-Policy. Scripts, styles, workers and wasm come only from the app's own
 * origin ('wasm-unsafe-eval' lets WebAssembly compile; blob: workers are the wasm backend's threads).
 * `connect-src` allows https: so a visitor can load a checkpoint from another site that sends CORS
 * headers; remove `https:` to allow only the app's own files.
 */
export function contentSecurityPolicyValue(mode: 'build' | 'serve'): string {
  const dev = mode === 'serve';
  const directives: Record<string, string> = {
    'default-src': "'self'",
    'script-src': "'self' 'wasm-unsafe-eval'",
    'worker-src': "'self' blob:",
    // Vite's dev server injects CSS as <style> elements and talks to the page over a websocket.
    'style-src': dev ? "'self' 'unsafe-inline'" : "'self'",
    'connect-src': dev ? "'self' blob: data: https: ws: wss:" : "'self' blob: data: https:",
    'img-src': "'self' data: blob:",
    'object-src': "'none'",
    'base-uri': "'self'",
    'form-action': "'none'",
  };
  return Object.entries(directives)
    .map(([k, v]) => `${k} ${v}`)
    .join('; ');
}

/** Adds the policy as the first element of every page's <head>, before any script. */
export function contentSecurityPolicy(): Plugin {
  let mode: 'build' | 'serve' = 'build';
  return {
    name: 'md4-content-security-policy',
    configResolved(config) {
      mode = config.command;
    },
    transformIndexHtml() {
      return [
        {
          tag: 'meta',
          attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicyValue(mode) },
          injectTo: 'head-prepend',
        },
      ];
    },
  };
}
