import type { Rng } from './rng';

/**
 * Draws one index from unnormalised non-negative weights by float64 inverse-CDF sampling
 * (`weights[offset .. offset+count)`). Float64 keeps the tail mass that float32 Gumbel-max loses
 * (arXiv 2409.02908). Returns -1 when the total weight is zero.
 *
 * @throws RangeError when a weight is NaN, negative or infinite, or the range runs past `weights`.
 */
export function sampleCategorical(
  weights: ArrayLike<number>,
  rng: Rng,
  offset = 0,
  count = weights.length - offset,
): number {
  if (!Number.isInteger(offset) || !Number.isInteger(count) || offset < 0 || count < 0) {
    throw new RangeError(`categorical range offset ${offset}, count ${count} must be non-negative integers`);
  }
  if (offset + count > weights.length) {
    throw new RangeError(
      `categorical range [${offset}, ${offset + count}) runs past the ${weights.length} weights given`,
    );
  }
  let total = 0;
  for (let i = 0; i < count; i++) {
    const w = weights[offset + i]!;
    if (!(w >= 0) || w === Number.POSITIVE_INFINITY) {
      throw new RangeError(
        `categorical weight ${w} at index ${i} is ${Number.isNaN(w) ? 'NaN' : w < 0 ? 'negative' : 'infinite'}; ` +
          'weights must be finite and >= 0',
      );
    }
    total += w;
  }
  if (!(total > 0)) return -1;
  if (!Number.isFinite(total)) throw new RangeError('categorical weights overflow to Infinity when summed');
  const target = rng.uniform() * total;
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < count; i++) {
    const w = weights[offset + i]!;
    if (w > 0) last = i;
    cumulative += w;
    if (target < cumulative) return i;
  }
  return last; // rounding: target landed at the very end
}

/**
 * Float64 softmax of `logits[offset .. offset+count)` with temperature, written into `out`
 * (length >= count): out[i] = exp(l_i / T) / sum_j exp(l_j / T), computed with the max subtracted.
 * Returns `out`.
 */
export function softmax64(
  logits: ArrayLike<number>,
  out: Float64Array,
  offset = 0,
  count = logits.length - offset,
  temperature = 1,
): Float64Array {
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new RangeError(`softmax temperature must be a finite number > 0, got ${temperature}`);
  }
  if (out.length < count) throw new RangeError(`softmax output has length ${out.length} < ${count}`);
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
