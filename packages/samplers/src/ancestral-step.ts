import type { Rng } from '@md4/core';
import type { RowLogits } from './predictor';
import { logitsOffset } from './predictor';
import type { RowPlan, StepContext, StepKernel } from './step-kernel';
import { argmax } from './token-distribution';

/** A reveal plan: `positions` to fill, with `sampled[k]` true where a draw from mu fills position k, false where argmax. */
export interface RevealPlan extends RowPlan {
  sampled: boolean[];
}

/**
 * The MD4 reverse-step unmasking probability p = (alpha_s - alpha_t) / (1 - alpha_t) (paper eq. 6,
 * Alg. 2): a token masked at t is unmasked at s < t with this probability.
 */
export function unmaskProbability(alphaT: number, alphaS: number): number {
  const denominator = 1 - alphaT;
  if (!(denominator > 0)) return 1;
  return Math.min(1, Math.max(0, (alphaS - alphaT) / denominator));
}

/**
 * Draws which masked positions unmask in a step (each independently with probability p; one
 * uniform per masked position, in order). On the last step the others are added as leftovers.
 */
export function planReveals(
  row: number,
  masked: readonly number[],
  p: number,
  last: boolean,
  rng: Rng,
  leftoversSampled: boolean,
): RevealPlan | null {
  // Allocated at the first reveal: with many steps most sequences reveal nothing in a step.
  let positions: number[] | null = null;
  let sampled: boolean[] | null = null;
  for (const n of masked) {
    const unmask = rng.uniform() < p;
    if (unmask || last) {
      positions ??= [];
      sampled ??= [];
      positions.push(n);
      sampled.push(unmask || leftoversSampled);
    }
  }
  if (positions === null || sampled === null) return null;
  return { row, positions, sampled };
}

/**
 * Fills a reveal plan: sampled positions draw v ~ mu (float64, from the seeded Rng), the rest take
 * argmax mu. `onReveal` (optional) gets each position with mu_v of its draw (NaN for an argmax fill).
 */
export function applyReveals(
  context: StepContext,
  plan: RevealPlan,
  logits: RowLogits,
  onReveal?: (position: number, probability: number) => void,
): void {
  const V = context.vocabSize;
  for (let k = 0; k < plan.positions.length; k++) {
    const n = plan.positions[k]!;
    const offset = logitsOffset(logits, n, V);
    let value: number;
    let probability = Number.NaN;
    if (plan.sampled[k]) {
      const mu = context.distribution.at(logits.data, offset);
      value = context.distribution.draw(mu, context.rng);
      probability = mu[value]!;
    } else {
      value = argmax(logits.data, offset, V);
    }
    context.reveal(plan.row, n, value);
    onReveal?.(n, probability);
  }
}

/**
 * Ancestral sampling (MD4 paper Alg. 2): in a step t -> s each masked token becomes v with
 * probability p * mu_v, p = (alpha_s - alpha_t)/(1 - alpha_t), and stays masked with 1 - p.
 * Drawn as "unmask with probability p" (before the network call, so idle sequences can skip it)
 * then "v ~ mu". Tokens still masked after the last step (alpha(0) = 1 - eps < 1) take argmax mu.
 */
export function ancestralKernel(context: StepContext, alpha: (t: number) => number): StepKernel<RevealPlan> {
  return revealKernel(context, alpha, false);
}

/**
 * The step shared by ancestral and mean sampling: unmask each masked token with probability
 * p = (alpha_s - alpha_t)/(1 - alpha_t), then draw its value from mu. After the last step, leftover
 * masks take argmax mu (`sampleLeftovers` false) or a draw from mu (true).
 */
export function revealKernel(
  context: StepContext,
  alpha: (t: number) => number,
  sampleLeftovers: boolean,
): StepKernel<RevealPlan> {
  let p = 0;
  let last = false;
  return {
    begin(t, s, isLast) {
      p = unmaskProbability(alpha(t), alpha(s));
      last = isLast;
    },
    plan: (row, masked) => planReveals(row, masked, p, last, context.rng, sampleLeftovers),
    apply: (plan, logits) => applyReveals(context, plan, logits),
  };
}
