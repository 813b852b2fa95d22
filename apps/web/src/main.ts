import type { BackendChoice } from '@md4/browser';
import { Md4Client } from '@md4/browser';
import { AppState } from './ui/app-state';
import { setupCheckpointPanel } from './ui/checkpoint-panel';
import { byId } from './ui/dom';
import { setupGeneratePanel } from './ui/generate-panel';
import { setupInfillPanel } from './ui/infill-panel';
import { setupNetworkNote } from './ui/network-note';
import { setupRuntimePanel } from './ui/runtime-panel';
import { drawSchedulePlots } from './ui/schedule-plots';
import { setupTrainPanel } from './ui/train-panel';

declare global {
  interface Window {
    /** The page's worker client, for the browser console (and the end-to-end tests). */
    md4?: { client: Md4Client; state: AppState; ready: Promise<void> };
  }
}

const state = new AppState(new Md4Client());
const runtime = setupRuntimePanel(state);
const checkpoints = setupCheckpointPanel(state);
setupGeneratePanel(state);
setupInfillPanel(state);
setupTrainPanel(state);
setupNetworkNote();
drawSchedulePlots(byId('alpha-chart', HTMLElement), byId('weight-chart', HTMLElement));

// ?backend=wasm (or webgpu, webgl, cpu) starts on that backend instead of the automatic choice.
const requested = new URLSearchParams(location.search).get('backend') ?? 'auto';
const ready = (async () => {
  await runtime.select(requested as BackendChoice);
  await checkpoints.loadDemo();
  document.body.dataset.ready = 'true';
})();
window.md4 = { client: state.client, state, ready };

// The built app keeps its files for offline use (src/build/service-worker.js). The dev server (the one
// with hot module replacement) has no sw.js. Not import.meta.env.PROD: that follows NODE_ENV, which a
// build run from the tests sets to 'test'.
if (import.meta.hot == null && 'serviceWorker' in navigator) {
  navigator.serviceWorker.register('./sw.js').catch((error: unknown) => {
    console.warn(`offline use is off: the service worker did not register (${String(error)})`);
  });
}
