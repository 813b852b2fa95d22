/** Looks up an element by id and checks its type; a missing element is a bug in index.html. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`index.html: #${id} is missing or not a ${type.name}`);
  return el;
}

/** A number from a form field, checked against the field's min/max so bad input gets a clear message. */
export function numberField(form: HTMLFormElement, name: string): number {
  const input = form.elements.namedItem(name);
  if (!(input instanceof HTMLInputElement)) throw new Error(`form field "${name}" is missing`);
  const label = input.closest('label')?.textContent?.trim().split('\n')[0]?.trim() || name;
  const value = input.valueAsNumber;
  if (!input.checkValidity() || !Number.isFinite(value)) {
    throw new RangeError(`${label}: ${input.validationMessage || 'enter a number'}`);
  }
  return value;
}

/** The value of a <select> or checked radio group in a form. */
export function choiceField(form: HTMLFormElement, name: string): string {
  const field = form.elements.namedItem(name);
  if (field instanceof HTMLSelectElement || field instanceof RadioNodeList) return field.value;
  throw new Error(`form field "${name}" is missing`);
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** True when `error` is the rejection of a run the visitor stopped. */
export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** Calls `draw` at most once per animation frame however often `schedule` is called. */
export function frameThrottle(draw: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      draw();
    });
  };
}
