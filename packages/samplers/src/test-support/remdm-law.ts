import type { JointDistribution } from '@md4/core/testing';
import { exactConditionals, sequenceIndex } from '@md4/core/testing';

/** A grid step's per-token probabilities: a masked token unmasks with `unmask`, a generated one is masked again with `sigma`. */
export interface StepProbabilities {
  unmask: number;
  sigma: number;
}

/**
 * The exact law of a remasking sampler's output when its denoiser is the exact conditional of
 * `joint` (p(x^n = v | the unmasked tokens), the same for every t): dynamic programming over the
 * (V + 1)^L partially masked states. Each step t_i -> t_{i+1} moves every token independently
 * given the state: a masked token unmasks with probability `unmask` and then takes v with its
 * conditional, a generated token is masked again with `sigma`. Returns the probability of each of
 * the V^L sequences (indexed as `sequenceIndex`) after the last step; the mass still masked then is
 * dropped (callers pick steps whose last one unmasks everything).
 */
export function remaskingSamplerLaw(
  joint: JointDistribution,
  steps: number,
  probabilitiesAt: (step: number) => StepProbabilities,
): Float64Array {
  const { vocabSize: V, length: L } = joint;
  const base = V + 1;
  const states = base ** L;
  let mass = new Float64Array(states);
  let allMasked = 0;
  for (let n = 0; n < L; n++) allMasked = allMasked * base + V;
  mass[allMasked] = 1;
  const z = new Int32Array(L);
  for (let step = 0; step < steps; step++) {
    const { unmask, sigma } = probabilitiesAt(step);
    const next = new Float64Array(states);
    for (let state = 0; state < states; state++) {
      const p = mass[state]!;
      if (p === 0) continue;
      let rest = state;
      for (let n = L - 1; n >= 0; n--) {
        z[n] = rest % base;
        rest = Math.floor(rest / base);
      }
      const mu = exactConditionals(joint, z);
      // per position, the (digit, probability) outcomes
      const outcomes = Array.from(z, (token, n) =>
        token === V
          ? [[V, 1 - unmask], ...Array.from({ length: V }, (_, v) => [v, unmask * mu[n * V + v]!])]
          : [
              [token, 1 - sigma],
              [V, sigma],
            ],
      );
      const spread = (n: number, index: number, probability: number): void => {
        if (probability === 0) return;
        if (n === L) {
          next[index]! += probability;
          return;
        }
        for (const [digit, q] of outcomes[n]!) spread(n + 1, index * base + digit!, probability * q!);
      };
      spread(0, 0, p);
    }
    mass = next;
  }
  const law = new Float64Array(V ** L);
  for (let state = 0; state < states; state++) {
    if (mass[state] === 0) continue;
    let rest = state;
    let complete = true;
    for (let n = L - 1; n >= 0; n--) {
      z[n] = rest % base;
      rest = Math.floor(rest / base);
      if (z[n] === V) complete = false;
    }
    if (complete) law[sequenceIndex(z, V)]! += mass[state]!;
  }
  return law;
}

/** Total variation distance, half the L1 distance between two laws. */
export function totalVariation(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += Math.abs(p[i]! - q[i]!);
  return sum / 2;
}
