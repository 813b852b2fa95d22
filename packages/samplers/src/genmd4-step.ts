import { sampleCategorical } from '@md4/core';
import { logitsOffset } from './predictor';
import type { RowPlan, StepContext, StepKernel } from './step-kernel';

/**
 * GenMD4's per-value stay probabilities r_v = (s/t)^{w_v} for a step t -> s: under
 * alpha_{t,v} = 1 - (1 - eps) t^{w_v} a token with clean value v that is masked at t is still masked
 * at s with probability (1 - alpha_{s,v}) / (1 - alpha_{t,v}) = (s/t)^{w_v} (paper App. I).
 */
export function stayProbabilities(
  exponents: Float64Array,
  t: number,
  s: number,
  out: Float64Array,
): Float64Array {
  const ratio = s / t;
  for (let v = 0; v < exponents.length; v++) out[v] = ratio > 0 ? ratio ** exponents[v]! : 0;
  return out;
}

/**
 * The GenMD4 reverse step (paper App. I): a masked token at t -> s stays masked with probability
 * sum_v r_v mu_v and becomes v with probability (1 - r_v) mu_v, r_v = (s/t)^{w_v}; one float64
 * categorical draw over V + 1 outcomes. At s = 0 every r_v = 0, so nothing stays masked. Whether a
 * token unmasks depends on mu, so every masked sequence needs the network at every step.
 */
export function genmd4Kernel(context: StepContext, exponents: Float64Array): StepKernel<RowPlan> {
  const V = context.vocabSize;
  const stay = new Float64Array(V);
  const weights = new Float64Array(V + 1);
  return {
    begin(t, s) {
      stayProbabilities(exponents, t, s, stay);
    },
    plan: (row, masked) => ({ row, positions: masked }),
    apply(plan, logits) {
      for (const n of plan.positions) {
        const mu = context.distribution.at(logits.data, logitsOffset(logits, n, V));
        let stayMass = 0;
        for (let v = 0; v < V; v++) {
          weights[v] = (1 - stay[v]!) * mu[v]!;
          stayMass += stay[v]! * mu[v]!;
        }
        weights[V] = stayMass;
        const outcome = sampleCategorical(weights, context.rng);
        if (outcome >= 0 && outcome < V) context.reveal(plan.row, n, outcome);
      }
    },
  };
}
