import { sampleCategorical } from '@md4/core';
import { logitsOffset } from './predictor';
import type { RowPlan, StepContext, StepKernel } from './step-kernel';
import { logProbability } from './token-distribution';

/** A confidence plan: reveal the `count` highest-scoring of `positions` (all masked positions). */
export interface ConfidencePlan extends RowPlan {
  count: number;
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
 * Confidence-ordered unmasking (MaskGIT, Chang et al. 2022): in a step t -> s each sequence
 * unmasks k = (masked now) - `maskedTarget(...)` tokens, so the number still masked follows the
 * schedule's expectation. Every masked position draws a candidate v ~ mu (temperature and top-p
 * apply) and is scored by the model's untempered log mu_v, plus, when `noise` > 0, Gumbel noise
 * scaled by noise * t (MaskGIT's annealed randomness); the k best scores are revealed with their
 * candidates (ties: lower position first). Not an exact sampler of the model's joint.
 */
export function confidenceKernel(
  context: StepContext,
  alpha: (t: number) => number,
  initialMasked: Int32Array,
  noise: number,
): StepKernel<ConfidencePlan> {
  const alphaOne = alpha(1);
  let alphaS = 0;
  let time = 1;
  let last = false;
  return {
    begin(t, s, isLast) {
      alphaS = alpha(s);
      time = t;
      last = isLast;
    },
    plan(row, masked) {
      const count = masked.length - maskedTarget(initialMasked[row]!, alphaS, alphaOne, last);
      return count > 0 ? { row, positions: masked, count } : null;
    },
    apply(plan, logits) {
      const V = context.vocabSize;
      const m = plan.positions.length;
      const candidates = new Int32Array(m);
      const scores = new Float64Array(m);
      for (let k = 0; k < m; k++) {
        const offset = logitsOffset(logits, plan.positions[k]!, V);
        const value = sampleCategorical(context.distribution.at(logits.data, offset), context.rng);
        candidates[k] = value;
        scores[k] = logProbability(logits.data, offset, V, value);
        if (noise > 0) {
          const u = context.rng.uniform() || Number.MIN_VALUE;
          scores[k]! += noise * time * -Math.log(-Math.log(u));
        }
      }
      const order = Array.from({ length: m }, (_, k) => k).sort((a, b) => scores[b]! - scores[a]! || a - b);
      for (let j = 0; j < plan.count; j++) {
        const k = order[j]!;
        context.reveal(plan.row, plan.positions[k]!, candidates[k]!);
      }
    },
  };
}
