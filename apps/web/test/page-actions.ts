import type { Page } from 'playwright-core';

/** Sets the sampler controls (only the fields given). */
export async function setSampleControls(
  page: Page,
  values: Partial<Record<'length' | 'steps' | 'topP' | 'temperature' | 'seed', number>> & {
    method?: string;
    grid?: string;
  },
): Promise<void> {
  for (const [name, value] of Object.entries(values)) {
    const selector = `#sample-form [name="${name}"]`;
    if (name === 'method' || name === 'grid') await page.selectOption(selector, String(value));
    else await page.fill(selector, String(value));
  }
}

/** Switches the backend with the header's picker and waits until the worker reports it. */
export async function switchBackend(page: Page, backend: string): Promise<string> {
  await page.selectOption('#backend', backend);
  await page.waitForFunction(() => {
    const badge = document.querySelector<HTMLElement>('#backend-active');
    return (
      badge?.dataset.backend != null &&
      badge.textContent !== 'switching…' &&
      !document.querySelector<HTMLSelectElement>('#backend')?.disabled
    );
  });
  return (await page.getAttribute('#backend-active', 'data-backend')) ?? '';
}

/** Clicks `button` and waits until `output` is marked done (or the status reports a failure). */
export async function runAndWait(
  page: Page,
  button: string,
  output: string,
  status: string,
  timeout = 60_000,
) {
  await page.click(button);
  await page.waitForFunction(
    ({ output, status }) => {
      const done = document.querySelector<HTMLElement>(output)?.dataset.done === 'true';
      const text = document.querySelector(status)?.textContent ?? '';
      return done || /failed|Stopped/.test(text);
    },
    { output, status },
    { timeout },
  );
  return { text: (await page.textContent(output)) ?? '', status: (await page.textContent(status)) ?? '' };
}
