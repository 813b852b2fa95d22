import type { Md4Client, ModelInfo } from '@md4/browser';
import { byId } from './dom';

/**
 * What the panels share: the worker client, the current model, and a single "busy" flag (the worker
 * runs one job at a time, so every run button is disabled while one runs).
 */
export class AppState {
  model: ModelInfo | null = null;
  private busyCount = 0;
  private readonly listeners = new Set<() => void>();

  constructor(readonly client: Md4Client) {}

  get busy(): boolean {
    return this.busyCount > 0;
  }

  /** Runs `job` with the app marked busy. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    this.busyCount++;
    this.changed();
    try {
      return await job();
    } finally {
      this.busyCount--;
      this.changed();
    }
  }

  setModel(model: ModelInfo): void {
    this.model = model;
    byId('model-info', HTMLElement).textContent = describeModel(model);
    this.changed();
  }

  /** Shows steps per second in the header. */
  setSpeed(stepsPerSecond: number, what: string): void {
    const out = byId('speed', HTMLElement);
    out.textContent = `${stepsPerSecond >= 10 ? stepsPerSecond.toFixed(0) : stepsPerSecond.toFixed(2)} ${what}/s`;
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

export function describeModel(m: ModelInfo): string {
  const params =
    m.parameters >= 1e6 ? `${(m.parameters / 1e6).toFixed(2)}M` : `${(m.parameters / 1e3).toFixed(1)}k`;
  return (
    `Model: ${m.name}. ${m.format === 'mdlm' ? 'MDLM ' : ''}${m.architecture}, ${params} parameters, ${m.tokenizer} tokens (V = ${m.vocabSize}), ` +
    `up to ${m.maxLength} positions, trained with the ${m.schedule} schedule` +
    `${m.timeConditioned ? ', time-conditioned' : ''}.`
  );
}
