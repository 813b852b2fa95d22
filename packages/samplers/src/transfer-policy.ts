import { softmax64 } from '@md4/core';

/**
 * How many masked positions a `confidence` step commits (the one source of the names):
 * - `schedule`: the schedule's expected count, masked now - round(M (1 - alpha_s) / (1 - alpha_1));
 * - `even`: M split evenly over the T steps, the remainder to the first steps (LLaDA's
 *   `get_num_transfer_tokens`, per semi-autoregressive window when run through `sampleLong`);
 * - `threshold`: every position whose candidate has model probability above `threshold`, at least
 *   one per step (Fast-dLLM's parallel decoding); T is then only the most steps a run may take.
 */
export const TRANSFER_COUNTS = ['schedule', 'even', 'threshold'] as const;
/** One of TRANSFER_COUNTS: 'schedule', 'even' or 'threshold'. */
export type TransferCount = (typeof TRANSFER_COUNTS)[number];

/**
 * How a `confidence` step ranks masked positions, higher first (the one source of the names):
 * - `probability`: the model's probability of the drawn candidate, log p(v) (MaskGIT, LLaDA's
 *   `low_confidence`);
 * - `margin`: p(top 1) - p(top 2) (Dream's `topk_margin`);
 * - `entropy`: the negative entropy sum_v p(v) log p(v) (Dream's `entropy`);
 * - `random`: a uniform draw (LLaDA's `random` remasking).
 * The model's probabilities are at temperature 1 (temperature and top-p shape only the candidate draw).
 */
export const TRANSFER_RANKS = ['probability', 'margin', 'entropy', 'random'] as const;
/** One of TRANSFER_RANKS: 'probability', 'margin', 'entropy' or 'random'. */
export type TransferRank = (typeof TRANSFER_RANKS)[number];

/**
 * The even split of `initialMasked` tokens over `steps` steps: floor(M / T), plus one in the first
 * M mod T steps (`step` is 0-based). Sums to M over the T steps.
 */
export function evenTransferCount(initialMasked: number, steps: number, step: number): number {
  const base = Math.floor(initialMasked / steps);
  return base + (step < initialMasked % steps ? 1 : 0);
}

/**
 * Scores masked positions for a confidence step. One instance owns a V-sized scratch buffer.
 */
export class PositionScorer {
  private readonly probs: Float64Array;

  constructor(
    vocabSize: number,
    readonly rank: TransferRank,
  ) {
    this.probs = new Float64Array(vocabSize);
  }

  /**
   * The rank score of the position whose V logits start at `offset`, with `logProbabilityOfCandidate`
   * = log p(candidate) already computed. `uniform` is called only for `random` (one draw).
   */
  score(
    logits: Float32Array,
    offset: number,
    logProbabilityOfCandidate: number,
    uniform: () => number,
  ): number {
    switch (this.rank) {
      case 'probability':
        return logProbabilityOfCandidate;
      case 'margin': {
        let first = 0;
        let second = 0;
        for (const p of this.softmax(logits, offset)) {
          if (p > first) {
            second = first;
            first = p;
          } else if (p > second) second = p;
        }
        return first - second;
      }
      case 'entropy': {
        let negativeEntropy = 0;
        for (const p of this.softmax(logits, offset)) if (p > 0) negativeEntropy += p * Math.log(p);
        return negativeEntropy;
      }
      case 'random':
        return uniform();
      default: {
        const unknown: never = this.rank;
        throw new Error(`internal: unknown rank ${unknown}`);
      }
    }
  }

  /** The model's softmax (temperature 1) at one position, in float64 (the scratch buffer). */
  private softmax(logits: Float32Array, offset: number): Float64Array {
    softmax64(logits, this.probs, offset, this.probs.length, 1);
    return this.probs;
  }
}
