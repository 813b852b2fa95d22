import { nextHittingTime } from './hitting-time';
import { logitsOffset } from './predictor';
import type { RowPlan, StepContext, StepKernel } from './step-kernel';
import { logProbability } from './token-distribution';
import type { TransferCount, TransferRank } from './transfer-policy';
import { evenTransferCount, PositionScorer } from './transfer-policy';

/**
 * A confidence plan: reveal the `count` best-ranked of `positions` (all masked positions); with
 * `count` null (threshold transfer) the count is decided from the predictions.
 */
export interface ConfidencePlan extends RowPlan {
  count: number | null;
}

/** The transfer policy of a confidence run: how many tokens a step commits and which. */
export interface TransferPolicy {
  count: TransferCount;
  rank: TransferRank;
  /** For `count: 'threshold'`: commit positions whose candidate has model probability above this. */
  threshold: number;
  /** Scale of the Gumbel noise added to the rank score, annealed by t (0: none). */
  noise: number;
}

/**
 * How many of `initialMasked` tokens should still be masked at time s: the forward process keeps a
 * token masked at s, given masked at 1, with probability (1 - alpha(s)) / (1 - alpha(1)), so the
 * target is round(initialMasked * (1 - alpha(s)) / (1 - alpha(1))), and 0 at the last step.
 */
export function maskedTarget(initialMasked: number, alphaS: number, alphaOne: number, last: boolean): number {
  if (last) return 0;
  const ratio = (1 - alphaS) / (1 - alphaOne);
  return Math.min(initialMasked, Math.max(0, Math.round(initialMasked * ratio)));
}

/**
 * The time at which the schedule expects `masked` of `initialMasked` tokens to be masked:
 * the tau with (1 - alpha(tau)) / (1 - alpha(1)) = masked / initialMasked. The network time of a
 * sequence under the `even` and `threshold` transfers, whose counts do not follow the time grid.
 */
export function timeOfMaskedFraction(
  alpha: (t: number) => number,
  masked: number,
  initialMasked: number,
): number {
  return nextHittingTime(alpha, 1, 1, 1 - masked / initialMasked);
}

/**
 * Parallel decoding by confidence (MaskGIT, Chang et al. 2022; LLaDA; Fast-dLLM): in each step
 * every masked position draws a candidate v ~ mu (temperature and top-p apply) and is ranked by
 * `policy.rank` (plus Gumbel noise scaled by noise * t, MaskGIT's annealed randomness); the
 * step commits the best-ranked candidates (ties: lower position first), as many as
 * `policy.count` says: the schedule's expected count, an even split of the T steps, or every
 * candidate above the probability threshold (at least one). The last grid step commits all.
 * Not an exact sampler of the model's joint.
 */
export function confidenceKernel(
  context: StepContext,
  alpha: (t: number) => number,
  initialMasked: Int32Array,
  steps: number,
  policy: TransferPolicy,
): StepKernel<ConfidencePlan> {
  const alphaOne = alpha(1);
  const scorer = new PositionScorer(context.vocabSize, policy.rank);
  const uniform = () => context.rng.uniform();
  let alphaS = 0;
  let time = 1;
  let last = false;
  let step = -1;
  return {
    begin(t, s, isLast) {
      alphaS = alpha(s);
      time = t;
      last = isLast;
      step++;
    },
    plan(row, masked) {
      const M = initialMasked[row]!;
      switch (policy.count) {
        case 'schedule': {
          const count = masked.length - maskedTarget(M, alphaS, alphaOne, last);
          return count > 0 ? { row, positions: masked, count } : null;
        }
        case 'even': {
          const count = last ? masked.length : Math.min(masked.length, evenTransferCount(M, steps, step));
          if (count === 0) return null;
          return { row, positions: masked, count, time: timeOfMaskedFraction(alpha, masked.length, M) };
        }
        case 'threshold':
          return {
            row,
            positions: masked,
            count: last ? masked.length : null,
            time: timeOfMaskedFraction(alpha, masked.length, M),
          };
        default: {
          const unknown: never = policy.count;
          throw new Error(`internal: unknown transfer count ${unknown}`);
        }
      }
    },
    apply(plan, logits) {
      const V = context.vocabSize;
      const m = plan.positions.length;
      const candidates = new Int32Array(m);
      const scores = new Float64Array(m);
      const probabilities = new Float64Array(m);
      for (let k = 0; k < m; k++) {
        const offset = logitsOffset(logits, plan.positions[k]!, V);
        const value = context.distribution.draw(context.distribution.at(logits.data, offset), context.rng);
        candidates[k] = value;
        const logP = logProbability(logits.data, offset, V, value);
        probabilities[k] = Math.exp(logP);
        scores[k] = scorer.score(logits.data, offset, logP, uniform);
        if (policy.noise > 0) {
          const u = context.rng.uniform() || Number.MIN_VALUE;
          scores[k]! += policy.noise * time * -Math.log(-Math.log(u));
        }
      }
      if (plan.count === null) {
        // threshold: every candidate above it, whatever its rank; the best-ranked one when none is
        let committed = 0;
        let best = 0; // the highest score, the lower position on ties
        for (let k = 0; k < m; k++) {
          if (scores[k]! > scores[best]!) best = k;
          if (probabilities[k]! > policy.threshold) {
            context.reveal(plan.row, plan.positions[k]!, candidates[k]!);
            committed++;
          }
        }
        if (committed === 0) context.reveal(plan.row, plan.positions[best]!, candidates[best]!);
        return;
      }
      const order = Array.from({ length: m }, (_, k) => k).sort((a, b) => scores[b]! - scores[a]! || a - b);
      for (let j = 0; j < plan.count; j++) {
        const k = order[j]!;
        context.reveal(plan.row, plan.positions[k]!, candidates[k]!);
      }
    },
  };
}
