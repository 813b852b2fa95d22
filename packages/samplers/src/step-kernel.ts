import type { Rng } from '@md4/core';
import type { RowLogits } from './predictor';
import type { TokenDistribution } from './token-distribution';

/** What a step kernel reads and writes: the sequences, the draws, and the reveal log. */
export interface StepContext {
  readonly tokens: Int32Array[];
  readonly vocabSize: number;
  readonly rng: Rng;
  readonly distribution: TokenDistribution;
  /** Per sequence, 1 at the positions the prompt fixed (never changed, never masked again). */
  readonly fixed: Uint8Array[];
  /** Sets tokens[row][position] = value (a real token) and records the reveal. */
  reveal(row: number, position: number, value: number): void;
  /** Sets tokens[row][position] back to MASK (a generated token only) and records it. */
  remask(row: number, position: number): void;
}

/** One sequence's part in a step: the positions whose predictions the step needs (ascending). */
export interface RowPlan {
  row: number;
  positions: number[];
  /** The network's time for this sequence, when it is not the step's t. */
  time?: number | undefined;
}

/**
 * One reverse step t -> s of a grid sampler, split so that draws that do not need the network
 * happen first: `plan` every sequence (in order), call the network once for the plans that need
 * it, then `apply` them (in order). The random stream is consumed in the same order whichever
 * sequences the network call includes, so lazy and cached runs give identical samples.
 */
export interface StepKernel<P extends RowPlan = RowPlan> {
  /**
   * True when committed tokens can be masked again (ReMDM): every sequence is planned in every
   * step, and the run lasts the whole grid.
   */
  readonly remasks?: boolean | undefined;
  /** Called once per step before any plan; `last` is true for the step that reaches s = 0. */
  begin(t: number, s: number, last: boolean): void;
  /** Draws what the step can draw without mu; null when the sequence does nothing this step. */
  plan(row: number, masked: number[]): P | null;
  /** Completes the step for one sequence from its logits at `plan.positions` (`NO_LOGITS` when it has none). */
  apply(plan: P, logits: RowLogits): void;
}
