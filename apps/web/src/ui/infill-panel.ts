import type { AppState } from './app-state';
import { byId, messageOf } from './dom';
import { readSampleSettings, runSampler } from './generate-panel';

/** Replaces the selected characters of a textarea with the mask placeholder, keeping the selection. */
function maskSelection(area: HTMLTextAreaElement, placeholder: string): void {
  const { selectionStart: a, selectionEnd: b, value } = area;
  if (a === b) return;
  area.value = value.slice(0, a) + placeholder.repeat(b - a) + value.slice(b);
  area.setSelectionRange(a, b);
  area.focus();
}

export function setupInfillPanel(state: AppState): void {
  const area = byId('infill-text', HTMLTextAreaElement);
  const maskButton = byId('infill-mask', HTMLButtonElement);
  const run = byId('infill-run', HTMLButtonElement);
  const output = byId('infill-output', HTMLElement);
  const status = byId('infill-status', HTMLElement);
  const placeholder = () => state.model?.tokenStrings.at(-1) ?? '_';
  const note = byId('infill-placeholder', HTMLElement);
  const unit = byId('infill-unit', HTMLElement);
  let shown = '_';
  /** A new model's mask placeholder (text8 '_', GPT-2 '█') replaces the old one in the text. */
  const follow = () => {
    const now = placeholder();
    if (now !== shown) {
      area.value = area.value.split(shown).join(now);
      shown = now;
    }
    note.textContent = now;
    unit.textContent = state.model?.tokenizer === 'text8' ? 'character' : 'token';
  };

  maskButton.addEventListener('click', () => maskSelection(area, placeholder()));
  area.addEventListener('keydown', (e) => {
    if (e.altKey && (e.key === 'm' || e.key === 'M' || e.code === 'KeyM')) {
      e.preventDefault();
      maskSelection(area, placeholder());
    }
  });
  run.addEventListener('click', () => {
    // text8 models know only lowercase letters and space; show the visitor what is used.
    if (state.model?.tokenizer === 'text8') area.value = area.value.toLowerCase();
    const template = area.value;
    if (!template.includes(placeholder())) {
      status.textContent = `Mark at least one span to fill (select text, then Mask selection; each ${placeholder()} is one ${unit.textContent}).`;
      return;
    }
    let settings: ReturnType<typeof readSampleSettings>;
    try {
      settings = { ...readSampleSettings(), template };
    } catch (error) {
      status.textContent = messageOf(error);
      return;
    }
    delete output.dataset.done;
    void runSampler(state, settings, { output, status, stop: byId('infill-stop', HTMLButtonElement) });
  });
  state.onChange(() => {
    run.disabled = state.busy || !state.model;
    follow();
  });
}
