import type { StepRecord } from './step-runner';

/** One row of `md4 eval --json`'s results. */
export interface ElboRow {
  timesteps: number | 'inf';
  bitsPerToken: number;
  stderr: number;
  tokens: number;
}

/** One row of `md4 eval --gen-ppl --json`'s generative table. */
export interface GenerativeRowRecord {
  source: 'model' | 'held-out';
  samplingPrecision: 'float64' | 'float32' | null;
  networkCallsPerSample: number | null;
  tokensPerSecond: number | null;
  perplexity: number;
  bitsPerToken: number;
  entropy: number;
  sequences: number;
  length: number;
}

/** `md4 train --json`'s summary. */
export interface TrainSummary {
  step: number;
  seconds: number;
  tokensPerSecond: number;
  trainBitsPerToken: number;
  validBitsPerToken: number;
}

/** The records of a reproduction by step id, read with the shapes the commands print. */
export class ClaimResults {
  constructor(private readonly records: ReadonlyMap<string, StepRecord>) {}

  /** The record of step `id` (every step of the plan has run before the page is written). */
  record(id: string): StepRecord {
    const r = this.records.get(id);
    if (r == null) throw new Error(`md4 reproduce: no result for step ${id}`);
    return r;
  }

  /** The ELBO (or exact likelihood) rows of an eval step. */
  elbo(id: string): ElboRow[] {
    return (this.record(id).output as { results: ElboRow[] }).results;
  }

  /** The first (continuous-time) ELBO row of an eval step. */
  bits(id: string): ElboRow {
    return this.elbo(id)[0]!;
  }

  /** The generative rows of an eval --gen-ppl step. */
  generative(id: string): GenerativeRowRecord[] {
    return (this.record(id).output as { generative: { rows: GenerativeRowRecord[] } }).generative.rows;
  }

  /** The model row of a --gen-ppl step drawn in `precision`. */
  modelRow(id: string, precision: 'float64' | 'float32' = 'float64'): GenerativeRowRecord {
    const row = this.generative(id).find((r) => r.source === 'model' && r.samplingPrecision === precision);
    if (row == null) throw new Error(`md4 reproduce: step ${id} has no ${precision} model row`);
    return row;
  }

  /** The held-out reference row of a --gen-ppl step. */
  heldOutRow(id: string): GenerativeRowRecord {
    return this.generative(id).find((r) => r.source === 'held-out')!;
  }

  /** A training run's summary. */
  training(id: string): TrainSummary {
    return this.record(id).output as TrainSummary;
  }
}

/** Mean and sample standard deviation (NaN for one value). */
export function meanAndSpread(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd =
    values.length > 1
      ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1))
      : Number.NaN;
  return { mean, sd };
}

/**
 * Whether two estimates agree within `k` combined standard errors: |a - b| <= k sqrt(se_a^2 + se_b^2).
 * Returns the difference and the bound.
 */
export function withinNoise(
  a: { bitsPerToken: number; stderr: number },
  b: { bitsPerToken: number; stderr: number },
  k: number,
): { difference: number; bound: number; agrees: boolean } {
  const difference = Math.abs(a.bitsPerToken - b.bitsPerToken);
  const bound = k * Math.hypot(a.stderr, b.stderr);
  return { difference, bound, agrees: difference <= bound };
}
