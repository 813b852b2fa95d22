/**
 * Top-p (nucleus) truncation, in place: keeps the smallest set of values whose probabilities,
 * taken largest first, add up to at least `topP`, sets the rest to zero and renormalises
 * (Holtzman et al. 2020). Ties are broken by the lower index, so a tiny `topP` keeps exactly the
 * argmax (greedy decoding). `topP = 1` leaves `probs` unchanged.
 *
 * @param probs probabilities of `count` values (float64, sum 1); overwritten.
 * @param order scratch of length >= count.
 */
export function truncateTopP(
  probs: Float64Array,
  topP: number,
  order: Int32Array,
  count = probs.length,
): void {
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`topP must lie in (0, 1], got ${topP}`);
  if (topP === 1) return;
  for (let i = 0; i < count; i++) order[i] = i;
  const view = order.subarray(0, count);
  view.sort((a, b) => probs[b]! - probs[a]! || a - b);
  let kept = 0;
  let cumulative = 0;
  while (kept < count) {
    cumulative += probs[view[kept]!]!;
    kept++;
    if (cumulative >= topP) break;
  }
  for (let i = kept; i < count; i++) probs[view[i]!] = 0;
  for (let i = 0; i < kept; i++) probs[view[i]!]! /= cumulative;
}
