import type { CheckpointSource, LoadProgress } from '@md4/browser';
import type { AppState } from './app-state';
import { byId, isAbort, messageOf } from './dom';

/** Where the bundled demo checkpoint is served (public/checkpoints/, copied into the build). */
export const DEMO_CHECKPOINT = 'checkpoints/demo/';

/** "12.3 MB of 45.6 MB (27%)": decimal megabytes, as browsers show downloads. */
export function describeProgress({ loaded, total }: LoadProgress): string {
  const mb = (bytes: number) => (bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0);
  if (!(total > 0)) return `${mb(loaded)} MB`;
  const percent = Math.min(100, Math.floor((100 * loaded) / total));
  return `${mb(loaded)} MB of ${mb(total)} MB (${percent}%)`;
}

export function setupCheckpointPanel(state: AppState): { loadDemo(): Promise<void> } {
  const error = byId('checkpoint-error', HTMLElement);
  const status = byId('checkpoint-status', HTMLElement);
  const urlForm = byId('url-form', HTMLFormElement);
  const fileInput = byId('checkpoint-file', HTMLInputElement);
  const demo = byId('checkpoint-demo', HTMLButtonElement);
  const download = byId('checkpoint-download', HTMLButtonElement);
  const progressRow = byId('checkpoint-progress-row', HTMLElement);
  const progress = byId('checkpoint-progress', HTMLProgressElement);
  const progressText = byId('checkpoint-progress-text', HTMLOutputElement);
  const cancel = byId('checkpoint-cancel', HTMLButtonElement);
  let loading: AbortController | null = null;

  const showProgress = (p: LoadProgress) => {
    if (p.total > 0) progress.value = Math.min(100, (100 * p.loaded) / p.total);
    else progress.removeAttribute('value');
    progressText.textContent = describeProgress(p);
  };

  const load = async (source: CheckpointSource, label: string) => {
    error.textContent = '';
    status.textContent = `Loading ${label}…`;
    const controller = new AbortController();
    loading = controller;
    progress.value = 0;
    progressText.textContent = 'Starting…';
    progressRow.hidden = false;
    cancel.disabled = false;
    try {
      const model = await state.run(() =>
        state.client.loadCheckpoint(source, { signal: controller.signal, onProgress: showProgress }),
      );
      state.setModel(model);
      status.textContent = `Loaded ${label}${model.fromCache ? ' (from the browser cache)' : ''}.`;
    } catch (e) {
      if (isAbort(e)) {
        const still = state.model ? `still using ${state.model.name}` : 'no model is loaded';
        status.textContent = `Loading ${label} was cancelled; ${still}.`;
      } else {
        status.textContent = '';
        error.textContent = `Could not load ${label}: ${messageOf(e)}`;
      }
    } finally {
      progressRow.hidden = true;
      if (loading === controller) loading = null;
    }
  };
  cancel.addEventListener('click', () => {
    cancel.disabled = true;
    status.textContent = 'Cancelling…';
    loading?.abort();
  });

  urlForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const raw = (urlForm.elements.namedItem('url') as HTMLInputElement).value.trim();
    let url: URL;
    try {
      url = new URL(raw, document.baseURI);
    } catch {
      error.textContent = `"${raw}" is not a URL.`;
      return;
    }
    void load({ url: url.href }, url.href);
  });
  fileInput.addEventListener('change', async () => {
    // File objects go to the worker as they are (no copy here); it streams the weights from them.
    const files = [...(fileInput.files ?? [])];
    if (files.length === 0) return;
    const done = load({ files }, files.map((f) => f.name).join(' + '));
    fileInput.value = '';
    await done;
  });
  const loadDemo = () =>
    load({ url: new URL(DEMO_CHECKPOINT, document.baseURI).href, name: 'the demo model' }, 'the demo model');
  demo.addEventListener('click', () => void loadDemo());
  download.addEventListener('click', async () => {
    error.textContent = '';
    try {
      const { bytes, fileName } = await state.run(() => state.client.saveCheckpoint());
      const href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = href;
      a.download = fileName;
      a.click();
      setTimeout(() => URL.revokeObjectURL(href), 10_000);
      status.textContent = `Saved ${fileName} (${(bytes.byteLength / 1024).toFixed(0)} KiB).`;
    } catch (e) {
      error.textContent = `Could not save the model: ${messageOf(e)}`;
    }
  });
  state.onChange(() => {
    for (const b of [demo, download, ...urlForm.querySelectorAll('button')]) {
      (b as HTMLButtonElement).disabled = state.busy || (b === download && !state.model);
    }
    fileInput.disabled = state.busy;
  });
  return { loadDemo };
}
