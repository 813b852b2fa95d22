import type { RevealPlan } from './ancestral-step';
import { revealKernel } from './ancestral-step';
import type { StepContext, StepKernel } from './step-kernel';

/**
 * The "mean" sampler (MD4 paper App. G, the two-stage form of the ancestral step): draw
 * x0 ~ mu, then unmask each masked token with probability p = (alpha_s - alpha_t)/(1 - alpha_t),
 * taking its x0. Per step this has the ancestral law (v with probability p * mu_v); only the x0 of
 * tokens that unmask are drawn. Unlike `ancestral`, tokens still masked after the last step take
 * their drawn x0 ~ mu rather than argmax mu, so with an exact denoiser and any steps the final
 * reveal is a draw from the model, never a mode.
 */
export function meanKernel(context: StepContext, alpha: (t: number) => number): StepKernel<RevealPlan> {
  return revealKernel(context, alpha, true);
}
