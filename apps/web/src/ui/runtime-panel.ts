import { BACKEND_CHOICES, type BackendChoice, type BackendInfo } from '@md4/browser';
import type { AppState } from './app-state';
import { byId, messageOf } from './dom';

const NAMES: Record<string, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'wasm', cpu: 'cpu' };

/**
 * Why a backend could not start, without the wrapper `selectBackend` puts around one backend's error
 * ("no tfjs backend could be initialised (webgpu: ...)").
 */
function refusalReason(reason: string): string {
  return reason.replace(/^no tfjs backend could be initialised \((?:[\w-]+: )?(.*)\)$/, '$1');
}

function showBackend(info: BackendInfo): void {
  const badge = byId('backend-active', HTMLElement);
  badge.textContent = NAMES[info.backend] ?? info.backend;
  badge.dataset.backend = info.backend;
  // The backend that was asked for and refused is said once, in `refused`, not again among the skipped.
  const skipped = info.skipped
    .filter((s) => s.name !== info.refused?.choice)
    .map((s) => `${NAMES[s.name] ?? s.name}: ${s.reason}`)
    .join('; ');
  const threads =
    info.backend === 'wasm' && !info.crossOriginIsolated
      ? ' (single-threaded: page not cross-origin isolated)'
      : '';
  const refused = info.refused
    ? `${NAMES[info.refused.choice] ?? info.refused.choice} is not available: ${refusalReason(info.refused.reason)}. ` +
      `Using ${NAMES[info.backend] ?? info.backend} instead. `
    : '';
  const note = skipped ? `Skipped ${skipped}.${threads}` : threads.trim();
  byId('backend-note', HTMLElement).textContent = `${refused}${note}`.trim();
}

/** The backend picker in the header. */
export function setupRuntimePanel(state: AppState): { select(choice: BackendChoice): Promise<void> } {
  const select = byId('backend', HTMLSelectElement);
  const apply = async (choice: BackendChoice) => {
    const badge = byId('backend-active', HTMLElement);
    badge.textContent = 'switching…';
    try {
      const info = await state.run(() => state.client.setBackend(choice));
      select.value = info.choice;
      showBackend(info);
    } catch (error) {
      badge.textContent = 'no backend';
      byId('backend-note', HTMLElement).textContent = messageOf(error);
    }
  };
  select.addEventListener('change', () => void apply(select.value as BackendChoice));
  state.onChange(() => {
    select.disabled = state.busy;
  });
  return {
    async select(choice) {
      select.value = BACKEND_CHOICES.includes(choice) ? choice : 'auto';
      await apply(select.value as BackendChoice);
    },
  };
}
