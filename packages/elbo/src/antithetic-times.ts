import type { Rng } from '@md4/core';

/**
 * One uniform u_b in [0, 1) per sequence of a batch of B. Antithetic (stratified) times share one
 * u ~ U[0, 1): u_b = (u + b / B) mod 1, so the batch covers [0, 1) evenly and the batch-mean loss
 * has lower variance, while each u_b is still marginally uniform (paper App. E). Otherwise iid.
 * Consumes one uniform (antithetic) or B uniforms from `rng`.
 */
export function drawUnitTimes(batch: number, rng: Rng, antithetic: boolean): Float64Array {
  const u = new Float64Array(batch);
  if (antithetic) {
    const start = rng.uniform();
    for (let b = 0; b < batch; b++) {
      const x = start + b / batch;
      u[b] = x >= 1 ? x - 1 : x;
    }
  } else {
    for (let b = 0; b < batch; b++) u[b] = rng.uniform();
  }
  return u;
}
