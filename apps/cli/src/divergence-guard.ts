import { UsageError } from './cli-errors';

/** Consecutive steps above the bound that count as divergence. */
export const DIVERGENCE_PATIENCE = 5;

/**
 * Tells finite divergence from noise. An untrained model scores about log2 V bits/token (the
 * uniform prediction, (1 - eps) log2 V exactly at a zero output layer) and training only lowers it,
 * so a training NELBO above twice that for `DIVERGENCE_PATIENCE` steps in a row means the run has
 * diverged (a learning rate of 1e3 reaches 6e7 bits/token). Steps above the bound are "suspect":
 * no checkpoint is written from them, so the last checkpoint stays a healthy one.
 *
 * One step's NELBO is a one-batch Monte Carlo estimate, and a heavy-tailed one: each sequence
 * draws one t, and a sequence with few masked tokens weighs their cross-entropy by
 * -alpha'(t) / (1 - alpha(t)) (eq. 5). A healthy run at a small batch (4 sequences of 16 tokens)
 * lands above the bound on about one step in a hundred, so a run that ends on a suspect step is
 * judged by `settle` instead, on a held-out estimate of its final weights.
 */
export class DivergenceGuard {
  readonly bound: number;
  private above = 0;

  constructor(vocabSize: number) {
    this.bound = 2 * Math.log2(vocabSize);
  }

  /** Records a step's NELBO (bits/token); throws a UsageError once the run has diverged. */
  observe(step: number, nelbo: number, advice: string): void {
    this.above = nelbo > this.bound ? this.above + 1 : 0;
    if (this.above >= DIVERGENCE_PATIENCE) {
      throw new UsageError(
        `training diverged: the loss stayed above ${this.bound.toFixed(2)} bits/token (twice the uniform ` +
          `prediction's) for ${DIVERGENCE_PATIENCE} steps, ${nelbo.toPrecision(4)} at step ${step}; ${advice}`,
      );
    }
  }

  /**
   * Judges a run that ended on a suspect step, one that has not diverged: `estimate` gives its
   * final live weights' validation NELBO (bits/token, over many batches), and a value above the
   * bound throws a UsageError. Returns that estimate, or null (not computed) when the run ended
   * healthy.
   */
  async settle(estimate: () => Promise<number>, advice: string): Promise<number | null> {
    if (this.healthy) return null;
    const bitsPerToken = await estimate();
    if (!(bitsPerToken <= this.bound)) {
      throw new UsageError(
        `training ended while the loss was above the divergence bound: the final weights score ` +
          `${bitsPerToken.toPrecision(4)} bits/token on the validation split, above ${this.bound.toFixed(2)}; ${advice}`,
      );
    }
    return bitsPerToken;
  }

  /** True while the latest steps look healthy (checkpoints may be written). */
  get healthy(): boolean {
    return this.above === 0;
  }
}
