import { parseRgb, type Rgb, stepTextColor } from './step-colors';

/**
 * Shows a sequence of tokens in a <pre>, one <span> per token, coloured by the step that revealed it.
 * Token text is set with textContent only: model output is never parsed as HTML.
 */
export class TokenView {
  private spans: HTMLSpanElement[] = [];

  constructor(private readonly root: HTMLElement) {}

  /** The view's background (the page's light or dark scheme), read when a run starts. */
  private background: Rgb = [255, 255, 255];

  /** Starts a new run over `length` positions; `fixed[i]` marks prompt tokens that never change. */
  reset(tokens: Int32Array, tokenStrings: readonly string[], fixed?: readonly boolean[]): void {
    this.root.replaceChildren();
    this.spans = [];
    this.background = parseRgb(getComputedStyle(this.root).backgroundColor);
    const mask = tokenStrings.length - 1;
    for (let i = 0; i < tokens.length; i++) {
      const span = document.createElement('span');
      const t = tokens[i]!;
      span.textContent = tokenStrings[t] ?? '?';
      span.className = fixed?.[i] ? 'fixed' : t === mask ? 'mask' : '';
      this.spans.push(span);
    }
    this.root.append(...this.spans);
  }

  /**
   * Reveals `changed` positions with their new tokens, coloured by step / totalSteps, and shows
   * `remasked` positions (ReMDM) as masked again.
   */
  reveal(
    tokens: Int32Array,
    changed: Int32Array,
    tokenStrings: readonly string[],
    step: number,
    totalSteps: number,
    remasked: Int32Array = new Int32Array(0),
  ): void {
    for (const s of this.root.querySelectorAll('.new')) s.classList.remove('new');
    for (const pos of remasked) {
      const span = this.spans[pos];
      if (!span) continue;
      span.textContent = tokenStrings[tokenStrings.length - 1] ?? '?';
      span.className = 'mask';
      span.style.color = '';
      delete span.dataset.step;
    }
    const color = stepTextColor(totalSteps > 1 ? (step - 1) / (totalSteps - 1) : 1, this.background);
    for (const pos of changed) {
      const span = this.spans[pos];
      if (!span) continue;
      span.textContent = tokenStrings[tokens[pos]!] ?? '?';
      span.className = 'new';
      span.style.color = color;
      span.dataset.step = String(step);
    }
  }

  /** Shows final tokens (e.g. the argmax fill of positions still masked after the last step). */
  finish(
    tokens: Int32Array,
    tokenStrings: readonly string[],
    revealedAt: Int32Array,
    totalSteps: number,
  ): void {
    for (const s of this.root.querySelectorAll('.new')) s.classList.remove('new');
    for (let i = 0; i < tokens.length; i++) {
      const span = this.spans[i];
      if (!span || span.className === 'fixed') continue;
      span.textContent = tokenStrings[tokens[i]!] ?? '?';
      const step = revealedAt[i]!;
      if (step > 0) {
        span.className = '';
        span.style.color = stepTextColor(totalSteps > 1 ? (step - 1) / (totalSteps - 1) : 1, this.background);
        span.dataset.step = String(step);
      }
    }
  }

  /** The text shown now. */
  text(): string {
    return this.root.textContent ?? '';
  }
}
