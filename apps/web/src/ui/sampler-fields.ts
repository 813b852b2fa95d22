import type { SampleMethod } from '@md4/samplers';
import {
  REMASK_STRATEGIES,
  SAMPLE_METHOD_INFO,
  SAMPLE_METHODS,
  TRANSFER_COUNTS,
  TRANSFER_RANKS,
} from '@md4/samplers';

/** The sampler form's method-specific fields and the option each belongs to. */
const FIELD_OPTION = {
  steps: 'steps',
  grid: 'grid',
  transfer: 'transfer',
  rank: 'rank',
  threshold: 'transfer',
  remask: 'remask',
  eta: 'remask',
} as const;
type MethodField = keyof typeof FIELD_OPTION;

/** Fills a <select> with `values` (the samplers package's lists are the one source of the names). */
function fillSelect(
  select: HTMLSelectElement,
  values: readonly string[],
  describe?: (value: string) => string,
): void {
  select.replaceChildren(
    ...values.map((value) => {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = value;
      if (describe) option.title = describe(value);
      return option;
    }),
  );
}

/** True when `field` is read by the form's current method and settings. */
export function fieldApplies(
  field: MethodField,
  method: SampleMethod,
  transfer: string,
  remask: string,
): boolean {
  if (!SAMPLE_METHOD_INFO[method].options.includes(FIELD_OPTION[field])) return false;
  if (field === 'threshold') return transfer === 'threshold';
  if (field === 'eta') return remask !== 'conf';
  return true;
}

/**
 * Builds the method picker and its fields: one option per method with its one-line summary shown
 * under the picker, and the fields a method does not read disabled.
 */
export function setupSamplerFields(form: HTMLFormElement): void {
  const select = (name: string) => form.elements.namedItem(name) as HTMLSelectElement;
  const method = select('method');
  fillSelect(method, SAMPLE_METHODS, (m) => SAMPLE_METHOD_INFO[m as SampleMethod].summary);
  fillSelect(select('transfer'), TRANSFER_COUNTS);
  fillSelect(select('rank'), TRANSFER_RANKS);
  fillSelect(select('remask'), REMASK_STRATEGIES);
  const summary = form.querySelector<HTMLElement>('#method-summary');
  const update = () => {
    const chosen = method.value as SampleMethod;
    const info = SAMPLE_METHOD_INFO[chosen];
    if (summary)
      summary.textContent = `${info.summary}. ${info.exact ? 'Exact in the limit' : 'A heuristic'}; ${info.cost}.`;
    for (const field of Object.keys(FIELD_OPTION) as MethodField[]) {
      const element = form.elements.namedItem(field) as HTMLInputElement | HTMLSelectElement | null;
      if (element)
        element.disabled = !fieldApplies(field, chosen, select('transfer').value, select('remask').value);
    }
  };
  form.addEventListener('change', update);
  update();
}
