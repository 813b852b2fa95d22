import type { ModelInfo, SampleResult, SamplerMethod, SampleSettings } from '@md4/browser';
import type { RemaskStrategy, TransferCount, TransferRank } from '@md4/samplers';
import type { AppState } from './app-state';
import { byId, choiceField, frameThrottle, isAbort, messageOf, numberField } from './dom';
import { fieldApplies, setupSamplerFields } from './sampler-fields';
import { stepColor } from './step-colors';
import { barChart, chartWidth } from './svg-chart';
import { TokenView } from './token-view';

/** Reads the sampler controls shared by Generate and Infill. */
export function readSampleSettings(): SampleSettings {
  const form = byId('sample-form', HTMLFormElement);
  const method = choiceField(form, 'method') as SamplerMethod;
  const transfer = choiceField(form, 'transfer') as TransferCount;
  const remask = choiceField(form, 'remask') as RemaskStrategy;
  const applies = (field: Parameters<typeof fieldApplies>[0]) =>
    fieldApplies(field, method, transfer, remask);
  return {
    length: numberField(form, 'length'),
    steps: numberField(form, 'steps'),
    method,
    grid: choiceField(form, 'grid') as 'uniform' | 'cosine',
    topP: numberField(form, 'topP'),
    temperature: numberField(form, 'temperature'),
    seed: numberField(form, 'seed'),
    ...(applies('transfer') ? { transfer, rank: choiceField(form, 'rank') as TransferRank } : {}),
    ...(applies('threshold') ? { threshold: numberField(form, 'threshold') } : {}),
    ...(applies('remask') ? { remask } : {}),
    ...(applies('eta') ? { eta: numberField(form, 'eta') } : {}),
    guidance: numberField(form, 'guidance'),
  };
}

/**
 * Runs the sampler with the visitor's settings and streams each step into `output` (tokens coloured
 * by step) and, when given, into a bar chart of tokens revealed per step.
 */
export async function runSampler(
  state: AppState,
  settings: SampleSettings,
  ui: { output: HTMLElement; status: HTMLElement; stop: HTMLButtonElement; chart?: HTMLElement },
): Promise<SampleResult | null> {
  const model = state.model;
  if (!model) {
    ui.status.textContent = 'No model is loaded yet.';
    return null;
  }
  const view = new TokenView(ui.output);
  const perStep: number[] = [];
  let total = settings.method === 'first-hitting' ? settings.length : settings.steps;
  const drawChart = frameThrottle(() => {
    if (!ui.chart) return;
    ui.chart.replaceChildren(
      barChart({
        values: perStep,
        colors: perStep.map((_, i) => stepColor(perStep.length > 1 ? i / (perStep.length - 1) : 1)),
        xLabel: 'step',
        yLabel: 'tokens',
        width: chartWidth(ui.chart),
        height: 170,
        summary: `Tokens revealed per step over ${perStep.length} steps`,
      }),
    );
  });
  const controller = new AbortController();
  const stop = () => controller.abort();
  ui.stop.disabled = false;
  ui.stop.addEventListener('click', stop);
  ui.output.setAttribute('aria-busy', 'true');
  ui.status.textContent = 'Sampling…';
  try {
    const result = await state.run(() =>
      state.client.sample(settings, {
        signal: controller.signal,
        onStep: (e) => {
          total = e.totalSteps;
          if (e.step === 0) {
            view.reset(e.tokens, model.tokenStrings, templateFixed(e.tokens, model.vocabSize));
            return;
          }
          view.reveal(e.tokens, e.changed, model.tokenStrings, e.step, total, e.remasked);
          perStep[e.step - 1] = (perStep[e.step - 1] ?? 0) + e.changed.length;
          drawChart();
          const seconds = e.elapsedMs / 1000;
          ui.status.textContent = `Step ${e.step} of ${total} (t = ${e.t.toFixed(3)}), ${e.networkCalls} network calls, ${(e.step / Math.max(seconds, 1e-3)).toFixed(1)} steps/s`;
        },
      }),
    );
    view.finish(result.tokens, model.tokenStrings, result.revealedAt, result.steps);
    const rate = result.steps / Math.max(result.elapsedMs / 1000, 1e-3);
    state.setSpeed(rate, 'steps');
    ui.status.textContent = `Done: ${result.steps} steps, ${result.networkCalls} network calls in ${(result.elapsedMs / 1000).toFixed(2)} s.`;
    ui.output.dataset.done = 'true';
    return result;
  } catch (error) {
    ui.status.textContent = isAbort(error) ? 'Stopped.' : `Sampling failed: ${messageOf(error)}`;
    return null;
  } finally {
    ui.stop.disabled = true;
    ui.stop.removeEventListener('click', stop);
    ui.output.removeAttribute('aria-busy');
  }
}

/** Positions of a step-0 sequence that are not MASK are fixed prompt tokens. */
function templateFixed(tokens: Int32Array, vocabSize: number): boolean[] {
  return Array.from(tokens, (t) => t !== vocabSize);
}

/**
 * A length a CPU samples in seconds: 128 positions for small models (the demo), 64 tokens for large
 * ones (GPT-2 vocabularies: every step computes logits over 50k tokens per position), never more
 * than the model's positions.
 */
export function defaultLength(model: ModelInfo): number {
  const large = model.vocabSize > 1024 || model.parameters > 20e6;
  return Math.min(large ? 64 : 128, model.maxLength);
}

/**
 * Fits the Length field to a newly loaded model: its range becomes 1..seqLen (8 at the least, when
 * the model allows it); a length the visitor typed is clamped, an untouched one takes the model's default.
 */
export function fitLength(input: HTMLInputElement, model: ModelInfo, edited: boolean): void {
  const max = model.maxLength;
  const min = Math.min(8, max);
  input.max = String(max);
  input.min = String(min);
  const value = input.valueAsNumber;
  input.value = String(
    edited && Number.isFinite(value) ? Math.min(max, Math.max(min, Math.round(value))) : defaultLength(model),
  );
}

export function setupGeneratePanel(state: AppState): void {
  const form = byId('sample-form', HTMLFormElement);
  setupSamplerFields(form);
  const length = form.elements.namedItem('length') as HTMLInputElement;
  let edited = false;
  let fitted: ModelInfo | null = null;
  length.addEventListener('input', () => {
    edited = true;
  });
  const run = byId('sample-run', HTMLButtonElement);
  const output = byId('sample-output', HTMLElement);
  const status = byId('sample-status', HTMLElement);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    let settings: SampleSettings;
    try {
      settings = readSampleSettings();
    } catch (error) {
      status.textContent = messageOf(error);
      return;
    }
    delete output.dataset.done;
    void runSampler(state, settings, {
      output,
      status,
      stop: byId('sample-stop', HTMLButtonElement),
      chart: byId('reveal-chart', HTMLElement),
    });
  });
  state.onChange(() => {
    run.disabled = state.busy || !state.model;
    if (state.model && state.model !== fitted) {
      fitted = state.model;
      fitLength(length, fitted, edited);
    }
  });
}
