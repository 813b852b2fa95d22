/**
 * The entropy in nats of the token frequencies within one sequence,
 *     H(x) = -sum_v (c_v / N) log(c_v / N),   c_v = #{n : x_n = v},  N = the sequence's length,
 * the diversity figure reported beside generative perplexity (a sampler that repeats itself scores
 * a low perplexity and a low entropy). 0 for a constant sequence; at most log min(N, V).
 */
export function unigramEntropy(sequence: ArrayLike<number>): number {
  const N = sequence.length;
  if (N === 0) throw new RangeError('unigramEntropy: the sequence is empty');
  const counts = new Map<number, number>();
  for (let n = 0; n < N; n++) counts.set(sequence[n]!, (counts.get(sequence[n]!) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) h -= (c / N) * Math.log(c / N);
  return h;
}

/** The mean of `unigramEntropy` over sequences (each sequence weighs the same), in nats. */
export function meanUnigramEntropy(sequences: ReadonlyArray<ArrayLike<number>>): number {
  if (sequences.length === 0) throw new RangeError('meanUnigramEntropy: no sequences');
  return sequences.reduce((total, x) => total + unigramEntropy(x), 0) / sequences.length;
}
