import type { CheckpointSource } from '../worker/protocol';
import type { AppState } from './app-state';
import { byId, messageOf } from './dom';

/** Where the bundled demo checkpoint is served (public/checkpoints/, copied into the build). */
export const DEMO_CHECKPOINT = 'checkpoints/demo/';

export function setupCheckpointPanel(state: AppState): { loadDemo(): Promise<void> } {
  const error = byId('checkpoint-error', HTMLElement);
  const status = byId('checkpoint-status', HTMLElement);
  const urlForm = byId('url-form', HTMLFormElement);
  const fileInput = byId('checkpoint-file', HTMLInputElement);
  const demo = byId('checkpoint-demo', HTMLButtonElement);
  const download = byId('checkpoint-download', HTMLButtonElement);

  const load = async (source: CheckpointSource, label: string) => {
    error.textContent = '';
    status.textContent = `Loading ${label}…`;
    try {
      const model = await state.run(() => state.client.loadCheckpoint(source));
      state.setModel(model);
      status.textContent = `Loaded ${label}.`;
    } catch (e) {
      status.textContent = '';
      error.textContent = `Could not load ${label}: ${messageOf(e)}`;
    }
  };

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
    const files = [...(fileInput.files ?? [])];
    if (files.length === 0) return;
    const read = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
    await load({ files: read }, files.map((f) => f.name).join(' + '));
    fileInput.value = '';
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
