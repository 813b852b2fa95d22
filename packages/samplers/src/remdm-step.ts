import type { RevealPlan } from './ancestral-step';
import { applyReveals } from './ancestral-step';
import { timeAtAlpha } from './hitting-time';
import type { StepContext, StepKernel } from './step-kernel';

/** How ReMDM chooses the remasking probability sigma_t (the one source of the names). */
export const REMASK_STRATEGIES = ['cap', 'rescale', 'conf', 'loop'] as const;
/** One of REMASK_STRATEGIES: 'cap', 'rescale', 'conf' or 'loop' (see RemaskOptions). */
export type RemaskStrategy = (typeof REMASK_STRATEGIES)[number];

/**
 * ReMDM's remasking (Wang et al. 2025, arXiv 2503.00307, section 4), tagged by strategy:
 * - `cap`: sigma_t = min(eta, sigma_max);
 * - `rescale`: sigma_t = eta * sigma_max;
 * - `conf`: per token, sigma_t^n = softmax_n(-p_n) * sigma_max over the generated tokens, p_n the
 *   probability the token was drawn with (the least confident are remasked most);
 * - `loop`: the ordinary reverse step down to t_on, where alpha reaches `alphaOn`; on (t_off, t_on]
 *   alpha is held at alphaOn while sigma_t = min(eta, sigma_max) remasks and revises; the ordinary
 *   step again from t_off to 0. The schedule is reparametrised so the three phases use the whole grid.
 */
export type RemaskOptions =
  | { strategy: 'cap'; eta: number }
  | { strategy: 'rescale'; eta: number }
  | { strategy: 'conf' }
  | { strategy: 'loop'; eta: number; tOn: number; tOff: number; alphaOn: number };

/**
 * The largest remasking probability that keeps the reverse step a distribution:
 * sigma_max = min(1, (1 - alpha_s) / alpha_t) (ReMDM eq. 6). Within [0, sigma_max] the step keeps
 * the forward process's marginals q(z_s | x) (ReMDM Thm. 3.1).
 */
export function remaskBound(alphaT: number, alphaS: number): number {
  if (!(alphaT > 0)) return 1;
  return Math.min(1, Math.max(0, (1 - alphaS) / alphaT));
}

/**
 * The probability that a token masked at t is unmasked at s under ReMDM with remasking sigma:
 * (alpha_s - (1 - sigma) alpha_t) / (1 - alpha_t) (ReMDM eq. 5); sigma = 0 gives MD4's
 * (alpha_s - alpha_t) / (1 - alpha_t).
 */
export function remdmUnmaskProbability(alphaT: number, alphaS: number, sigma: number): number {
  const denominator = 1 - alphaT;
  if (!(denominator > 0)) return 1;
  return Math.min(1, Math.max(0, (alphaS - (1 - sigma) * alphaT) / denominator));
}

/**
 * ReMDM-loop's reparametrised time: the grid time t mapped linearly from [t_on, 1] onto
 * [tau_on, 1], held at tau_on on (t_off, t_on], and mapped from [0, t_off] onto [0, tau_on], where
 * alpha(tau_on) = alphaOn. The step uses alpha(loopTime(t)) and calls the network at loopTime(t).
 */
export function loopTime(t: number, tOn: number, tOff: number, tauOn: number): number {
  if (t > tOn) return tauOn + ((t - tOn) * (1 - tauOn)) / (1 - tOn);
  if (t <= tOff) return (t * tauOn) / tOff;
  return tauOn;
}

/** A ReMDM plan: masked `positions` to fill (sampled or argmax leftovers) and tokens to mask again. */
export interface RemdmPlan extends RevealPlan {
  remask: number[];
}

/**
 * The ReMDM reverse step t -> s (ReMDM Alg. 1): from z_t, each generated token is masked again
 * with probability sigma, and each masked token is unmasked with probability
 * `remdmUnmaskProbability(alpha_t, alpha_s, sigma)` and takes v ~ mu; both from z_t. Fixed
 * (prompt) tokens never change. The last step does not remask, and its leftovers take argmax mu.
 * Drawn before the network call (one uniform per free position, in order), so it is lazy.
 */
export function remdmKernel(
  context: StepContext,
  alpha: (t: number) => number,
  remask: RemaskOptions,
): StepKernel<RemdmPlan> {
  const length = context.tokens[0]?.length ?? 0;
  // conf: the probability each generated token was drawn with (NaN where none)
  const confidence =
    remask.strategy === 'conf' ? context.tokens.map(() => new Float64Array(length).fill(Number.NaN)) : null;
  const tauOn = remask.strategy === 'loop' ? timeAtAlpha(alpha, remask.alphaOn) : 1;
  let alphaT = 0;
  let alphaS = 0;
  let sigma = 0; // the step's sigma (sigma_max for conf, scaled per token)
  let networkTime = 1;
  let last = false;
  const weights = new Float64Array(length);

  /** Per-token sigma for conf: softmax(-p) over the generated tokens, times sigma_max. */
  function confSigmas(row: number): Float64Array {
    const p = confidence![row]!;
    let total = 0;
    for (let n = 0; n < length; n++) {
      weights[n] = Number.isNaN(p[n]!) ? 0 : Math.exp(-p[n]!);
      total += weights[n]!;
    }
    for (let n = 0; n < length; n++) weights[n] = total > 0 ? (weights[n]! / total) * sigma : 0;
    return weights;
  }

  return {
    remasks: true,
    begin(t, s, isLast) {
      last = isLast;
      const time = (u: number) =>
        remask.strategy === 'loop' ? loopTime(u, remask.tOn, remask.tOff, tauOn) : u;
      networkTime = time(t);
      alphaT = alpha(networkTime);
      alphaS = alpha(time(s));
      const bound = remaskBound(alphaT, alphaS);
      switch (remask.strategy) {
        case 'cap':
          sigma = Math.min(remask.eta, bound);
          break;
        case 'rescale':
          sigma = remask.eta * bound;
          break;
        case 'conf':
          sigma = bound;
          break;
        case 'loop':
          sigma = t <= remask.tOn && t > remask.tOff ? Math.min(remask.eta, bound) : 0;
          break;
        default: {
          const unknown: never = remask;
          throw new Error(`internal: unknown remask strategy ${JSON.stringify(unknown)}`);
        }
      }
      if (last) sigma = 0;
    },
    plan(row) {
      const sequence = context.tokens[row]!;
      const fixed = context.fixed[row]!;
      const sigmas = confidence && sigma > 0 ? confSigmas(row) : null;
      const unmask = remdmUnmaskProbability(alphaT, alphaS, sigmas ? 0 : sigma);
      const positions: number[] = [];
      const sampled: boolean[] = [];
      const again: number[] = [];
      for (let n = 0; n < sequence.length; n++) {
        if (fixed[n] === 1) continue;
        const u = context.rng.uniform();
        if (sequence[n] === context.vocabSize) {
          if (u < unmask || last) {
            positions.push(n);
            sampled.push(u < unmask);
          }
        } else if (u < (sigmas ? sigmas[n]! : sigma)) {
          again.push(n);
        }
      }
      if (positions.length === 0 && again.length === 0) return null;
      return { row, positions, sampled, remask: again, time: networkTime };
    },
    apply(plan, logits) {
      const drawn = confidence?.[plan.row];
      applyReveals(context, plan, logits, drawn ? (n, probability) => (drawn[n] = probability) : undefined);
      for (const n of plan.remask) {
        context.remask(plan.row, n);
        if (drawn) drawn[n] = Number.NaN;
      }
    },
  };
}
