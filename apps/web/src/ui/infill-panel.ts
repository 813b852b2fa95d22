import type { ModelInfo } from '@md4/browser';
import { cleanText8 } from '@md4/datasets';
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

/**
 * The page's example text fitted to a text8 model of `maxLength` positions (a character is a token):
 * as it is when it fits, else cut at the last space that fits (mid-word only for a first word longer
 * than the model).
 */
export function fitExample(example: string, maxLength: number): string {
  if (example.length <= maxLength) return example;
  const cut = example.slice(0, maxLength + 1);
  const space = cut.lastIndexOf(' ');
  return (space > 0 ? cut.slice(0, space) : cut.slice(0, maxLength)).trimEnd();
}

/**
 * A visitor's infill text in text8 form: each stretch between placeholders cleaned as `cleanText8`
 * cleans prose (lowercase, digits spelled out, punctuation to single spaces), with a space kept where
 * cleaning took one away beside a placeholder; the placeholders stay where they are.
 */
export function cleanInfillText(text: string, placeholder: string): string {
  const parts = text.split(placeholder);
  const last = parts.length - 1;
  return parts
    .map((part, i) => {
      const clean = cleanText8(part);
      if (clean === '') return part !== '' && i > 0 && i < last ? ' ' : '';
      const before = i > 0 && /^[^a-z]/i.test(part) ? ' ' : '';
      const after = i < last && /[^a-z]$/i.test(part) ? ' ' : '';
      return before + clean + after;
    })
    .join(placeholder);
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
  /** The example text as the page ships it; the visitor's own text is never cut. */
  const example = area.value;
  let edited = false;
  let fitted: ModelInfo | null = null;
  area.addEventListener('input', () => {
    edited = true;
  });
  /** A new model's mask placeholder (text8 '_', GPT-2 '█') replaces the old one in the text. */
  const follow = () => {
    const now = placeholder();
    if (now !== shown) {
      area.value = area.value.split(shown).join(now);
      shown = now;
    }
    note.textContent = now;
    unit.textContent = state.model?.tokenizer === 'text8' ? 'character' : 'token';
    if (state.model && state.model !== fitted) {
      fitted = state.model;
      if (!edited && fitted.tokenizer === 'text8') area.value = fitExample(example, fitted.maxLength);
    }
  };

  maskButton.addEventListener('click', () => {
    edited = true;
    maskSelection(area, placeholder());
  });
  area.addEventListener('keydown', (e) => {
    if (e.altKey && (e.key === 'm' || e.key === 'M' || e.code === 'KeyM')) {
      e.preventDefault();
      edited = true;
      maskSelection(area, placeholder());
    }
  });
  run.addEventListener('click', () => {
    // text8 models know only lowercase letters and space; show the visitor what is used.
    if (state.model?.tokenizer === 'text8') area.value = cleanInfillText(area.value, placeholder());
    const template = area.value;
    if (!template.includes(placeholder())) {
      status.textContent = `Mark at least one span to fill (select text, then Mask selection; each ${placeholder()} is one ${unit.textContent}).`;
      return;
    }
    const maxLength = state.model?.maxLength ?? Number.POSITIVE_INFINITY;
    if (state.model?.tokenizer === 'text8' && template.length > maxLength) {
      status.textContent = `The text is ${template.length} characters long and this model takes at most ${maxLength}: shorten it by ${template.length - maxLength}.`;
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
