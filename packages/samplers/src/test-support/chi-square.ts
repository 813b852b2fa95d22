import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';

/** Result of Pearson's chi-square goodness-of-fit test. */
export interface ChiSquareResult {
  statistic: number;
  df: number;
  pValue: number;
  /** Cells after pooling the ones with small expected counts. */
  cells: number;
  samples: number;
}

/**
 * Pearson's chi-square test of observed counts against probabilities. Cells whose expected count
 * is below `minExpected` are pooled into one (and dropped if that pool is still tiny), the usual
 * validity condition for the chi-square approximation.
 */
export function chiSquareTest(
  counts: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  minExpected = 5,
): ChiSquareResult {
  let samples = 0;
  for (let i = 0; i < counts.length; i++) samples += counts[i]!;
  let statistic = 0;
  let cells = 0;
  let pooledObserved = 0;
  let pooledExpected = 0;
  for (let i = 0; i < counts.length; i++) {
    const expected = samples * probabilities[i]!;
    if (expected < minExpected) {
      pooledObserved += counts[i]!;
      pooledExpected += expected;
      continue;
    }
    statistic += (counts[i]! - expected) ** 2 / expected;
    cells++;
  }
  if (pooledExpected >= minExpected) {
    statistic += (pooledObserved - pooledExpected) ** 2 / pooledExpected;
    cells++;
  } else if (pooledObserved > 3 * minExpected) {
    statistic = Number.POSITIVE_INFINITY; // many samples where the model puts almost no mass
  }
  const df = cells - 1;
  return { statistic, df, pValue: 1 - chisquareCdf(statistic, df), cells, samples };
}

/** Histogram of sequences over all V^L sequences (index in base V, position 0 most significant). */
export function countSequences(samples: Int32Array[], vocabSize: number, size: number): Float64Array {
  const counts = new Float64Array(size);
  for (const x of samples) {
    let index = 0;
    for (const v of x) {
      if (v < 0 || v >= vocabSize) throw new RangeError(`sample holds token ${v} outside [0, ${vocabSize})`);
      index = index * vocabSize + v;
    }
    counts[index]!++;
  }
  return counts;
}
