import type { TrainSettings } from '@md4/browser';
import type { AppState } from './app-state';
import { byId, choiceField, frameThrottle, isAbort, messageOf, numberField } from './dom';
import { chartWidth, lineChart } from './svg-chart';

/** The bundled training text (public/corpus/, made by scripts/make-corpus.ts). */
export const BUNDLED_CORPUS = 'corpus/sotu-text8.txt';

function readTrainSettings(form: HTMLFormElement): TrainSettings {
  const [layers, width] = choiceField(form, 'size').split('x').map(Number) as [number, number];
  const source = choiceField(form, 'source');
  const text = (form.elements.namedItem('text') as HTMLTextAreaElement).value;
  if (source === 'pasted' && text.trim().length === 0) {
    throw new RangeError('Paste some text to train on, or choose the bundled corpus.');
  }
  return {
    data: source === 'pasted' ? { text } : { url: new URL(BUNDLED_CORPUS, document.baseURI).href },
    steps: numberField(form, 'steps'),
    batchSize: numberField(form, 'batchSize'),
    seqLength: numberField(form, 'seqLength'),
    learningRate: numberField(form, 'learningRate'),
    seed: numberField(form, 'seed'),
    size: { layers, width, heads: Math.max(1, width / 32) },
    schedule: 'linear',
  };
}

/** An exponential moving average of the loss (weight 0.9, bias-corrected), for a readable curve. */
function smoothed(losses: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  let avg = 0;
  return losses.map(([step, loss], i) => {
    avg = 0.9 * avg + 0.1 * loss;
    return [step, avg / (1 - 0.9 ** (i + 1))];
  });
}

/** The loss curve in words: the mean loss of the first and of the last tenth of the steps. */
function lossSummary(losses: ReadonlyArray<readonly [number, number]>): string {
  const k = Math.max(1, Math.floor(losses.length / 10));
  const mean = (part: ReadonlyArray<readonly [number, number]>) =>
    part.reduce((a, p) => a + p[1], 0) / part.length;
  if (losses.length === 0) return 'Training loss: no steps yet';
  return (
    `Training loss over ${losses.length} steps in bits per character: mean of the first steps ` +
    `${mean(losses.slice(0, k)).toFixed(3)}, of the last steps ${mean(losses.slice(-k)).toFixed(3)}`
  );
}

export function setupTrainPanel(state: AppState): void {
  const form = byId('train-form', HTMLFormElement);
  const run = byId('train-run', HTMLButtonElement);
  const stop = byId('train-stop', HTMLButtonElement);
  const status = byId('train-status', HTMLElement);
  const chart = byId('loss-chart', HTMLElement);
  let controller: AbortController | null = null;
  stop.addEventListener('click', () => controller?.abort());

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let settings: TrainSettings;
    try {
      settings = readTrainSettings(form);
    } catch (error) {
      status.textContent = messageOf(error);
      return;
    }
    const losses: Array<[number, number]> = [];
    const draw = frameThrottle(() =>
      chart.replaceChildren(
        lineChart({
          series: [
            { label: 'per step', color: '#a9b8ee', points: losses },
            { label: 'smoothed', color: '#3a5bd9', points: smoothed(losses) },
          ],
          width: chartWidth(chart),
          xLabel: 'step',
          yLabel: 'bits/char',
          xDomain: [0, settings.steps],
          summary: lossSummary(losses),
        }),
      ),
    );
    controller = new AbortController();
    stop.disabled = false;
    delete form.dataset.done;
    status.textContent = 'Preparing the data…';
    try {
      const result = await state.run(() =>
        state.client.train(settings, {
          signal: controller!.signal,
          onStep: (s) => {
            losses.push([s.step, s.loss]);
            draw();
            const rate = s.step / Math.max(s.elapsedMs / 1000, 1e-3);
            status.textContent = `Step ${s.step} of ${s.totalSteps}: loss ${s.loss.toFixed(3)} bits/char, ${rate.toFixed(1)} steps/s`;
          },
        }),
      );
      state.setModel(result.model);
      state.setSpeed(result.steps / Math.max(result.elapsedMs / 1000, 1e-3), 'train steps');
      status.textContent = `Trained ${result.steps} steps${result.stopped ? ' (stopped early)' : ''}, final loss ${result.finalLoss.toFixed(3)} bits/char. Generate and Infill now use this model; download it under Checkpoint.`;
      form.dataset.done = 'true';
    } catch (error) {
      status.textContent = isAbort(error) ? 'Stopped.' : `Training failed: ${messageOf(error)}`;
    } finally {
      stop.disabled = true;
      controller = null;
    }
  });
  state.onChange(() => {
    run.disabled = state.busy;
  });
}
