import type { Rng } from './rng';

/**
 * Draws one index from unnormalised non-negative weights by float64 inverse-CDF sampling
 * (`weights[offset .. offset+count)`). Float64 keeps the tail mass that float32 Gumbel-max loses
 * (arXiv 2409.02908). Returns -1 when the total weight is zero.
 */
export function sampleCategorical(
  weights: ArrayLike<number>,
  rng: Rng,
  offset = 0,
  count = weights.length - offset,
): number {
  let total = 0;
  for (let i = 0; i < count; i++) total += weights[offset + i]!;
  if (!(total > 0) || !Number.isFinite(total)) {
    if (Number.isNaN(total)) throw new RangeError('categorical weights contain NaN');
    if (total === Number.POSITIVE_INFINITY) throw new RangeError('categorical weights contain Infinity');
    return -1;
  }
  const target = rng.uniform() * total;
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < count; i++) {
    const w = weights[offset + i]!;
    if (w < 0) throw new RangeError(`categorical weight ${w} at index ${i} is negative`);
    if (w > 0) last = i;
    cumulative += w;
    if (target < cumulative) return i;
  }
  return last; // rounding: target landed at the very end
}

/**
 * Float64 softmax of `logits[offset .. offset+count)` with temperature, written into `out`
 * (length >= count). Returns `out`.
 */
export function softmax64(
  logits: ArrayLike<number>,
  out: Float64Array,
  offset = 0,
  count = logits.length - offset,
  temperature = 1,
): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < count; i++) max = Math.max(max, logits[offset + i]!);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const e = Math.exp((logits[offset + i]! - max) / temperature);
    out[i] = e;
    total += e;
  }
  for (let i = 0; i < count; i++) out[i]! /= total;
  return out;
}
